// Zygote: a fork server for sandbox runs. The sandbox's once-per-process setup — private
// namespaces (through a user namespace when unprivileged), signal dispositions and mask,
// privileges, the seccomp filter, the single malloc arena — happens once, in a zygote process
// made by run_sandboxed itself (so whatever the sandbox sets up, the zygote has). Each run is
// then one fork of the zygote: a fresh single-threaded child whose Ms are new clones, so clone
// inheritance is still the kernel's own behaviour; only the setup is shared. The runs of one
// zygote start in the same origin namespaces (every run's own unshares die with its child),
// unless it is made with Origin::FreshPerRun: then each run's child first unshares every
// namespace kind of the state table itself, a real unshare as a fresh sandbox's, so its
// origin is a namespace set no thread of another run ever entered.
//
// The zygote is a copy of this process as it is when the Zygote is constructed: `body` and
// everything it refers to must exist by then and stay unchanged (the zygote sees its copy).
// What differs between runs travels as the run's request, a byte string (an index into data
// the zygote already has, a strategy spec, a replay token): at most kMaxRequest bytes.
//
// One run at a time per Zygote (a worker owns one); several Zygotes run in parallel. The
// zygote dies with the thread that constructed the Zygote (PR_SET_PDEATHSIG), and its children
// with it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <sched.h>
#include <string>
#include <string_view>
#include <thread>

#include "harness/sandbox/sandbox.hpp"
#include "harness/trace/buffer.hpp"

namespace nsleak::sandbox {

class Zygote {
 public:
  static constexpr std::size_t kMaxRequest = 60 * 1024;
  // Runs in each run's child, on its main thread (it normally never returns: the runtime
  // _exits), with the run's trace buffer and request.
  using Body = std::function<void(trace::TraceBuffer&, std::string_view request)>;
  // Runs once in the zygote, after its set-up and before its first fork: what every run should
  // inherit ready-made (the namespace pool). Returns empty, or why it could not (the zygote
  // serves anyway: a run must not depend on it).
  using Prepare = std::function<std::string()>;
  // Where each run's threads start: in the zygote's namespaces (Shared: exploration, whose
  // runs all start from the same origin), or in namespaces of its own that the run's child
  // unshares right after the fork (FreshPerRun: `nsleak test`'s single runs).
  enum class Origin { Shared, FreshPerRun };

  // Forks the zygote and waits until it is set up. `opt.timeout_s` is each run's watchdog.
  Zygote(const SandboxOptions& opt, Body body, Prepare prepare = {}, Origin origin = Origin::Shared);
  ~Zygote();  // ends the zygote (and a run still going)
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  // Why the zygote could not be set up (the sandbox's environment error), empty when it is up.
  const std::string& env_error() const { return env_error_; }
  // Why `prepare` failed in the zygote, empty when it did not (or there was none).
  const std::string& prepare_error() const { return prepare_error_; }
  // One run: forks a child of the zygote that runs body(trace, request). What the parent saw
  // of it, as run_sandboxed reports it (env_error set when the zygote is not up).
  RunRecord run(std::string_view request);

 private:
  void serve(trace::TraceBuffer& own);  // the zygote's loop (in the zygote process)
  void shut_down();

  SandboxOptions opt_;
  Body body_;
  Prepare prepare_;
  Origin origin_;
  std::unique_ptr<trace::TraceBuffer> trace_;  // each run's, shared with the zygote's children
  int sock_ = -1;                              // the parent's end
  int zsock_ = -1;                             // the zygote's end (closed here once forked)
  cpu_set_t affinity_{};                       // the parent's, restored in the zygote
  std::thread keeper_;                         // runs run_sandboxed for the zygote's lifetime
  RunRecord zygote_record_;                    // the zygote's own run, once it ended
  std::string env_error_;
  std::string prepare_error_;
};

}  // namespace nsleak::sandbox
