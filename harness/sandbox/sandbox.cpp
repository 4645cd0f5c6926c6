#include "harness/sandbox/sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <thread>

#include "harness/os/sanitizer_fork.hpp"
#include "harness/os/sanitizer_threads.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/sandbox/capabilities.hpp"
#include "harness/sandbox/clean_process.hpp"
#include "harness/sandbox/cpu_pin.hpp"
#include "harness/sandbox/fault_filter.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/sandbox/namespace_setup.hpp"
#include "harness/sandbox/syscall_filter.hpp"
#include "harness/sandbox/violation.hpp"
#include "harness/sandbox/watchdog.hpp"
#include "harness/trace/record.hpp"

namespace nsleak::sandbox {
namespace {

std::string drop_privileges(uid_t uid) {
  if (::setgroups(0, nullptr) != 0) return std::string("setgroups: ") + std::strerror(errno);
  if (::setresgid(uid, uid, uid) != 0) return std::string("setresgid: ") + std::strerror(errno);
  if (::setresuid(uid, uid, uid) != 0) return std::string("setresuid: ") + std::strerror(errno);
  // Undumpable processes get a root-owned /proc/self: the uid_map write would fail.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  return {};
}

// The child is a fork of whatever runs the harness (a test framework installs crash handlers,
// a CLI may block signals): the program under test must start from default dispositions, an
// empty signal mask and no alternate stack, so that its crash is its own.
void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  stack_t off{};
  off.ss_flags = SS_DISABLE;
  ::sigaltstack(&off, nullptr);
}

// The sandbox's own records: before the program's, without a sequence number.
void write_text_event(trace::TraceBuffer& out, const trace::Record& owner, const std::string& text) {
  std::vector<trace::Record> recs(1 + text.size() / trace::kRecordBody + 1);
  const std::size_t n = trace::encode_text(text, 0, recs);
  recs[n] = owner;
  out.append(std::span(recs.data(), n + 1));
}

// The process's compiled filters (this child's copies): `allowlist` when opt.fault_filter,
// `notify` when supervised (listener_sock >= 0).
[[noreturn]] void child_main(trace::TraceBuffer& out, const SandboxOptions& opt, int listener_sock,
                             CompiledSyscallFilter* allowlist, const NotifyFilter* notify,
                             const std::function<void(trace::TraceBuffer&)>& body) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  reset_signals();
  if (opt.pin_cpu) pin_to_one_cpu(opt.pin_cpu_rank);
  // One M runs at a time, so one malloc arena serves them all; per-thread arenas would cost
  // every new M an mmap of 64 MiB of address space and its set-up.
  ::mallopt(M_ARENA_MAX, 1);
  // Single-threaded before anything else (os/sanitizer_threads.hpp: "" outside TSan builds).
  std::string err = os::end_sanitizer_threads();
  if (err.empty() && opt.run_as_uid) err = drop_privileges(*opt.run_as_uid);
  SetupResult setup;
  if (err.empty()) {
    setup = enter_private_namespaces(opt.force_userns);
    err = setup.error;
  }
  // The model's own child (opt.fault_filter; `nsleak observe` runs someone else's program,
  // which keeps its fds, environment and syscalls): nothing of the invoker's (fds — but the
  // supervisor's socket —, environment) and only the capabilities the ops need.
  if (err.empty() && opt.fault_filter) err = clean_process(std::span<const int>(&listener_sock, 1));
  if (err.empty() && opt.fault_filter) err = drop_capabilities();
  // The notification filter before the allowlist, which refuses the seccomp(2) and sendmsg(2)
  // its installation makes (see notify_filter.hpp on stacking).
  if (err.empty() && listener_sock >= 0) err = install_notify_filter(*notify, listener_sock);
  // Then only the syscalls the runtime, the observer and the ops make, with the fault rules.
  if (err.empty() && opt.fault_filter) {
    catch_violations(out);
    err = allowlist->error.empty() ? load_syscall_filter(allowlist->filter) : allowlist->error;
  }
  if (!err.empty()) {
    write_text_event(out, trace::encode(trace::EnvError{}), err);
    ::_exit(rt::kChildExitEnvError);
  }
  out.append(trace::encode(trace::SandboxReady{::getpid(), ::getuid(), setup.userns}));
  body(out);
  ::_exit(rt::kChildExitOk);
}

}  // namespace

void fail_environment(trace::TraceBuffer& out, const std::string& reason) {
  write_text_event(out, trace::encode(trace::EnvError{}), reason);
  ::_exit(rt::kChildExitEnvError);
}

void collect_run(RunRecord& rec, int status, const trace::TraceBuffer& trace) {
  if (WIFEXITED(status)) rec.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) rec.term_signal = WTERMSIG(status);
  rec.events = trace::decode(trace.committed(), rec.deadline, &rec.cut);
  rec.trace_overflow = trace.overflowed();
  rec.trace_records = trace.capacity();
  for (const auto& ev : rec.events) {
    if (ev.is<trace::EnvError>()) rec.env_error = ev.text;
    if (const auto* sb = ev.as<trace::SandboxReady>()) rec.userns = sb->userns;
    if (const auto* v = ev.as<trace::SandboxViolation>()) rec.sandbox_violation = describe_violation(*v);
  }
}

RunRecord run_sandboxed(const SandboxOptions& opt, const std::function<void(trace::TraceBuffer&)>& body) {
  RunRecord rec;
  const auto t0 = std::chrono::steady_clock::now();
  trace::TraceBuffer trace(opt.trace_records);
  if (!trace.ok()) {
    rec.env_error = std::string("mmap(trace buffer): ") + std::strerror(errno);
    return rec;
  }
  int sock[2] = {-1, -1};  // the child hands the supervisor its seccomp listener through it
  if (opt.supervisor && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) != 0) {
    rec.env_error = std::string("socketpair: ") + std::strerror(errno);
    return rec;
  }
  // Compiled before the fork, once per process (bpf_export.hpp); each child loads its copy.
  CompiledSyscallFilter* allowlist = opt.fault_filter ? &process_syscall_filter() : nullptr;
  const NotifyFilter* notify = opt.supervisor ? &process_notify_filter(opt.notified) : nullptr;
  // The parent may have other threads allocating (os/sanitizer_fork.hpp; a no-op outside ASan
  // builds). Its false — an ASan runtime linked shared — leaves the fork as it was: ci/sanitize
  // links it statically.
  (void)os::make_sanitizer_fork_safe();
  const pid_t pid = ::fork();
  if (pid < 0) {
    rec.env_error = std::string("fork: ") + std::strerror(errno);
    return rec;
  }
  if (pid == 0) {
    if (sock[0] >= 0) ::close(sock[0]);
    child_main(trace, opt, sock[1], allowlist, notify, body);
  }
  std::thread supervisor;
  const os::UniqueFd child_gone(opt.supervisor ? ::eventfd(0, EFD_CLOEXEC) : -1);
  if (opt.supervisor) {
    ::close(sock[1]);
    const os::UniqueFd from_child(sock[0]);
    const int listener = receive_listener(from_child.get(), pid, static_cast<int>(opt.timeout_s * 1000));
    if (listener >= 0)
      supervisor = std::thread(opt.supervisor, Supervision{listener, pid, child_gone.get()});
  }
  const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(opt.timeout_s));
  rec.deadline = deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(kRunGraceS));
  const os::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  switch (watch_child(pidfd.get(), pid, deadline, opt.memory_limit_mb)) {
    case Watch::Ended: break;
    case Watch::TimedOut:
      rec.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    case Watch::OverMemory:
      rec.memory_limit_hit = true;
      rec.memory_limit_mb = opt.memory_limit_mb;
      ::kill(pid, SIGKILL);
      break;
  }
  int status = 0;
  struct rusage ru {};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  if (supervisor.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(child_gone.get(), &one, sizeof one);
    supervisor.join();
  }
  rec.max_rss_kb = ru.ru_maxrss;
  collect_run(rec, status, trace);
  rec.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

std::string probe_environment(const SandboxOptions& opt) {
  SandboxOptions o = opt;
  o.timeout_s = 5;
  RunRecord r = run_sandboxed(o, [](trace::TraceBuffer&) {});
  if (!r.env_error.empty()) return r.env_error;
  if (r.exit_code != rt::kChildExitOk) return "sandbox probe child failed (exit " + std::to_string(r.exit_code) + ")";
  return {};
}

}  // namespace nsleak::sandbox
