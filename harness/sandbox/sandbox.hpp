// Sandbox: every run happens in a forked child process; the child's main thread runs `body`.
//
// The sandbox isolates, and nothing else: the child, still single-threaded, moves into its
// own namespaces before any thread exists (root: unshare(CLONE_NEWNET|CLONE_NEWUTS);
// otherwise a user namespace first, with uid/gid maps), resets its signal state, closes
// inherited fds, fixes its environment, drops the capabilities the ops do not need and
// installs the seccomp allowlist (syscall_filter.hpp; a forbidden call stops the child, see
// violation.hpp), then runs the caller's body, which writes its trace records into a
// shared-memory buffer. What records the run is the body's business (the runner's
// StepRecorder). The parent never changes its own namespaces or threads; if the child
// crashes, hangs or deadlocks, the records already committed are kept.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/sandbox/notify_filter.hpp"
#include "harness/trace/buffer.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::sandbox {

// After a run's deadline (timeout_s after its start) the parent has this long to decode the
// trace and analyse it (runner: verdict::analyze): `--timeout D` ends the whole run within
// D + kRunGraceS seconds, or reports it as a timeout with what was decoded and analysed by then.
inline constexpr double kRunGraceS = 5.0;

// The child's memory by default (SandboxOptions::memory_limit_mb): its resident set, the trace
// pages it wrote included, as the watchdog reads it (every kMemoryPollMs).
inline constexpr std::size_t kDefaultMemoryLimitMb = 4096;
inline constexpr int kMemoryPollMs = 20;

struct SandboxOptions {
  double timeout_s = 10.0;                 // watchdog: SIGKILL the child after this
  std::size_t memory_limit_mb = kDefaultMemoryLimitMb;  // ... or once its resident set passes this
                                           // (RunRecord::memory_limit_hit); 0: no limit
  std::optional<uid_t> run_as_uid;         // root only: drop to this uid first (tests the
                                           // unprivileged path for real)
  bool force_userns = false;               // use a user namespace even as root
  std::size_t trace_records = trace::kDefaultTraceRecords;  // the trace buffer's capacity; a
                                           // run that fills it stops (RunRecord::trace_overflow)
  // The model's child wants both; `nsleak observe` runs someone else's program, which must
  // see neither: its own CPU affinity (GOMAXPROCS reads it) and no fault markers.
  bool pin_cpu = true;
  // Which CPU: 0 the highest allowed (the fixed origin a program that reads or sets the affinity
  // needs), k the k-th below it (cpu_pin.hpp): a parallel server's runs of other programs.
  unsigned pin_cpu_rank = 0;
  // The model's hardening: the seccomp allowlist with its fault rules, only the capabilities
  // the ops need, no inherited fds, a fixed environment (off for someone else's program).
  bool fault_filter = true;
  Supervisor supervisor;                   // set: the child runs under the seccomp notification
                                           // filter, answered by this on a parent thread
  NotifiedCalls notified = kAllNotified;   // ... of these calls only (the others run unstopped)
};


// What the parent saw of one child run.
struct RunRecord {
  std::vector<trace::Event> events;  // decoded from the child's trace records
  int exit_code = -1;        // child's exit status, -1 if killed by a signal
  int term_signal = 0;       // signal that killed it, 0 if it exited
  bool timed_out = false;
  bool memory_limit_hit = false;  // killed by the watchdog: resident set past memory_limit_mb
  std::size_t memory_limit_mb = 0;  // ... that limit, for the message
  std::string env_error;     // the sandbox could not be set up (namespaces unavailable)
  bool userns = false;       // ran through a user namespace
  bool trace_overflow = false;  // the child filled the trace buffer and stopped
  std::size_t trace_records = 0;  // the buffer's capacity, for the limit's message
  std::string sandbox_violation;  // a syscall the allowlist forbids, decoded; the child was stopped
  double wall_ms = 0;
  // The whole run's end: start + timeout_s + kRunGraceS. Decoding stopped there if `cut`; the
  // analysis (runner) stops there too.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool cut = false;          // the decoding or the analysis passed `deadline`: outcome timeout
  long max_rss_kb = 0;       // the child's peak resident set (wait4's ru_maxrss), KiB
};

// Runs `body` in a sandboxed child. `body` receives the trace buffer shared with the parent;
// it normally never returns (the runtime _exits). Returns when the child is gone.
RunRecord run_sandboxed(const SandboxOptions& opt,
                        const std::function<void(trace::TraceBuffer&)>& body);

// For `body`: the child, now set up, cannot run what was asked (a state kind this user
// namespace cannot exercise): reported like a sandbox that could not be set up (skipped, with
// the reason), and the child exits.
[[noreturn]] void fail_environment(trace::TraceBuffer& out, const std::string& reason);

// The child's exit `status` (waitpid's) and its trace into `rec`: run_sandboxed's and the
// zygote's (zygote.hpp) common last step.
void collect_run(RunRecord& rec, int status, const trace::TraceBuffer& trace);

// Can this process run sandboxes at all? Empty if yes, else the reason and how to fix it.
// Checked by forking a throwaway child, so the caller's own state is never touched.
std::string probe_environment(const SandboxOptions& opt = {});

}  // namespace nsleak::sandbox
