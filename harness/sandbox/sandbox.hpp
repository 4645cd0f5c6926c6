// Sandbox: every run happens in a forked child process whose main thread becomes M0.
//
// The child, still single-threaded, moves into its own namespaces before any M exists
// (root: unshare(CLONE_NEWNET|CLONE_NEWUTS); otherwise a user namespace first, with uid/gid
// maps), installs the fault-injection seccomp filter, and streams events to the parent over a
// shared-memory trace buffer, one JSON line per event. The parent never changes its own namespaces or threads; if
// the child crashes, hangs or deadlocks, the events already streamed are kept.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runtime/tracer.hpp"

namespace nsleak::sandbox {

struct SandboxOptions {
  double timeout_s = 10.0;                 // watchdog: SIGKILL the child after this
  std::optional<uid_t> run_as_uid;         // root only: drop to this uid first (tests the
                                           // unprivileged path for real)
  bool force_userns = false;               // use a user namespace even as root
  unsigned observe_mask = 1;               // ns kinds to snapshot (bit index(kind))
};

// What the parent saw of one child run.
struct RunRecord {
  std::vector<nlohmann::json> events;
  int exit_code = -1;        // child's exit status, -1 if killed by a signal
  int term_signal = 0;       // signal that killed it, 0 if it exited
  bool timed_out = false;
  std::string env_error;     // the sandbox could not be set up (namespaces unavailable)
  bool userns = false;       // ran through a user namespace
  bool trace_overflow = false;  // the child filled the trace buffer and stopped
  double wall_ms = 0;
};

// Runs `body` in a sandboxed child. `body` receives the tracer that streams to the parent; it
// normally never returns (the runtime _exits). Returns when the child is gone.
RunRecord run_sandboxed(const SandboxOptions& opt,
                        const std::function<void(rt::Tracer&)>& body);

// Can this process run sandboxes at all? Empty if yes, else the reason and how to fix it.
// Checked by forking a throwaway child, so the caller's own state is never touched.
std::string probe_environment(const SandboxOptions& opt = {});

}  // namespace nsleak::sandbox
