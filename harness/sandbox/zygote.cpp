#include "harness/sandbox/zygote.hpp"

#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "harness/os/lone_fork.hpp"
#include "harness/os/ns_pool.hpp"
#include "harness/os/sanitizer_threads.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/sandbox/capabilities.hpp"
#include "harness/sandbox/clean_process.hpp"
#include "harness/sandbox/cpu_pin.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/sandbox/syscall_filter.hpp"
#include "harness/sandbox/violation.hpp"
#include "harness/sandbox/watchdog.hpp"
#include "harness/trace/record.hpp"

namespace nsleak::sandbox {
namespace {

// The zygote's messages to the parent: one per datagram (SOCK_SEQPACKET keeps them apart).
struct Ready {
  bool userns;
  char prepare_error[240];  // NUL-terminated, empty when the zygote's preparation succeeded
};
struct Forked {
  pid_t pid;  // -errno when fork failed
};
struct Ended {
  int status;  // waitpid's
  long max_rss_kb;
};

template <class T>
bool send_msg(int fd, const T& m) {
  for (;;) {
    if (::send(fd, &m, sizeof m, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof m)) return true;
    if (errno != EINTR) return false;
  }
}

// False on EOF or error (the other side is gone).
template <class T>
bool recv_msg(int fd, T& m) {
  for (;;) {
    const ssize_t n = ::recv(fd, &m, sizeof m, 0);
    if (n == static_cast<ssize_t>(sizeof m)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

}  // namespace

Zygote::Zygote(const SandboxOptions& opt, Body body, Prepare prepare, Origin origin)
    : opt_(opt), body_(std::move(body)), prepare_(std::move(prepare)), origin_(origin), trace_(std::make_unique<trace::TraceBuffer>(opt.trace_records)) {
  if (!trace_->ok()) {
    env_error_ = std::string("mmap(trace buffer): ") + std::strerror(errno);
    return;
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    env_error_ = std::string("socketpair: ") + std::strerror(errno);
    return;
  }
  sock_ = sv[0];
  zsock_ = sv[1];
  CPU_ZERO(&affinity_);
  ::sched_getaffinity(0, sizeof affinity_, &affinity_);
  // Compiled here, in the invoker, once for all its zygotes and sandboxes: the zygote finds it
  // made, instead of compiling it again in each zygote (libseccomp builds and exports the BPF).
  if (opt_.fault_filter) (void)process_syscall_filter();
  // The zygote is run_sandboxed's child, so it is set up exactly as every sandbox child is; its
  // "body" serves runs until the parent hangs up. Its watchdog is the parent's lifetime.
  SandboxOptions zopt = opt;
  zopt.timeout_s = 365.0 * 86400;
  zopt.trace_records = 64;  // its own trace: the sandbox's set-up records only
  // The zygote keeps its socket and forks: the hardening every sandbox child gets is applied
  // after its set-up instead — closing inherited fds and dropping capabilities once in the
  // zygote (harden_zygote), the syscall allowlist, which refuses fork's clone, by each run's
  // child right after the fork (harden_run_child).
  zopt.fault_filter = false;
  keeper_ = std::thread([this, zopt] {
    zygote_record_ = run_sandboxed(zopt, [this](trace::TraceBuffer& own) { serve(own); });
    // The zygote is gone: a parent waiting for its word reads EOF (we may still hold its end).
    ::shutdown(sock_, SHUT_RDWR);
  });
  Ready ready{};
  const bool up = recv_msg(sock_, ready);
  if (up) prepare_error_.assign(ready.prepare_error, ::strnlen(ready.prepare_error, sizeof ready.prepare_error));
  ::close(zsock_);  // the zygote has its copy by now (or is gone): its hang-up is then our EOF
  zsock_ = -1;
  if (!up) {  // the zygote ended before it was up: its set-up failed
    shut_down();
    env_error_ = zygote_record_.env_error;
    if (env_error_.empty())
      env_error_ = "sandbox zygote exited during set-up (exit " + std::to_string(zygote_record_.exit_code) +
                   ", signal " + std::to_string(zygote_record_.term_signal) + ")";
  }
}

Zygote::~Zygote() { shut_down(); }

void Zygote::shut_down() {
  if (sock_ >= 0) ::shutdown(sock_, SHUT_RDWR);  // the zygote reads EOF and exits
  if (zsock_ >= 0) ::close(zsock_);
  zsock_ = -1;
  if (keeper_.joinable()) keeper_.join();
  if (sock_ >= 0) ::close(sock_);
  sock_ = -1;
}

namespace {

// What run_sandboxed's child does before its body when opt.fault_filter is set, in the same
// order, split at the fork. In the zygote, once: nothing of the invoker's (fds but the
// zygote's socket and the namespace pool's, the environment), only the ops' capabilities —
// fds, environment and capabilities pass through fork as they are, so every run starts so,
// without the ~80 prctl/capset calls and the environment's heap writes of its own. Empty, or
// why not (then every run reports it).
std::string harden_zygote(int sock) {
  // The namespace pool's fds are the zygote's, made for its runs (os/ns_pool.hpp).
  const std::span<const int> pooled = os::pooled_ns_fds();
  std::vector<int> keep(pooled.begin(), pooled.end());
  keep.push_back(sock);  // each run's child closes it first thing
  std::string err = clean_process(keep);
  if (err.empty()) err = drop_capabilities();
  return err;
}

// A thread_local with a destructor, made once in the zygote: its registration binds
// libstdc++'s lazily bound PLT entry for __cxa_thread_atexit_impl here, once, for every run.
// Each run's Ms register such destructors (os/state_ops.cpp's per-thread ns directory), and
// each first call in a fresh fork would run ld.so's lookup again (3 % of an exploration
// schedule's CPU; our own PLT is bound at load: -z now, meson.build).
void bind_thread_atexit() {
  struct Registered {
    ~Registered() {}  // user-provided: the registration is what is wanted
  };
  thread_local Registered once;
  (void)&once;
}

// In each run's child of an Origin::FreshPerRun zygote, before anything else: the namespaces
// the sandbox unshares (namespace_setup.cpp), again, inside the zygote's user namespace if it
// has one (its capabilities there include CAP_SYS_ADMIN: the ops need it). The zygote's own
// namespaces are never entered by a run's thread then, so nothing one run's threads did to
// their origin can reach the next run's.
void enter_fresh_origin(trace::TraceBuffer& out) {
  if (::unshare(os::all_namespace_flags()) == 0) return;
  const int e = errno;
  fail_environment(out, "unshare(" + os::all_namespace_flag_names() + ") in a zygote's run: " + std::strerror(e));
}

// In each run's child: the allowlist the zygote compiled before its first fork (`error` if
// that or harden_zygote failed), loaded with this child's pid.
void harden_run_child(trace::TraceBuffer& out, SyscallFilter& filter, const std::string& error) {
  std::string err = error;
  if (err.empty()) {
    catch_violations(out);
    err = load_syscall_filter(filter);
  }
  if (!err.empty()) fail_environment(out, err);
}

}  // namespace

void Zygote::serve(trace::TraceBuffer& own) {
  ::close(sock_);  // the parent's end: only the parent holds it, so its hang-up is our EOF
  const int fd = zsock_;
  // The sandbox pinned the zygote to one CPU; the zygote itself takes back the whole affinity
  // it started with, and each run pins itself again (pin_to_one_cpu: the highest CPU allowed,
  // a fixed origin the affinity scenarios compare against, or opt.pin_cpu_rank's, cpu_pin.hpp).
  ::sched_setaffinity(0, sizeof affinity_, &affinity_);
  bool userns = false;
  for (const auto& ev : trace::decode(own.committed()))
    if (const auto* sb = ev.as<trace::SandboxReady>()) userns = sb->userns;
  Ready ready{userns, {}};
  if (prepare_) {
    const std::string why = prepare_();
    std::snprintf(ready.prepare_error, sizeof ready.prepare_error, "%s", why.c_str());
  }
  if (!send_msg(fd, ready)) ::_exit(rt::kChildExitOk);
  std::vector<char> request(kMaxRequest + 2);  // the tag byte, the request, one more to spot excess
  // The process's allowlist, compiled once in the invoker before this zygote was made (the
  // constructor asks for it): a copy, since each run patches its pid in.
  SyscallFilter filter;
  std::string harden_error;
  if (opt_.fault_filter) {
    filter = process_syscall_filter().filter;
    harden_error = process_syscall_filter().error;
  }
  if (opt_.fault_filter && harden_error.empty()) harden_error = harden_zygote(fd);
  // The heap every run starts from, tidied once: malloc_trim merges the free chunks the zygote
  // inherited (its fastbins) and gives back their whole pages. Otherwise each run's first
  // larger malloc would do that merge itself, writing to every page that holds a free chunk,
  // each write a copy-on-write fault in a fresh fork (13 of an exploration schedule's ~160).
  ::malloc_trim(0);
  bind_thread_atexit();
  for (;;) {
    const ssize_t n = ::recv(fd, request.data(), request.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(rt::kChildExitOk);  // the parent hung up (a request is never empty: its tag)
    const pid_t pid = os::lone_fork();  // the zygote has one thread (lone_fork.hpp)
    if (pid == 0) {
      ::close(fd);
      // A fork restarts TSan's thread (os/sanitizer_threads.hpp: "" outside TSan builds).
      if (const std::string why = os::end_sanitizer_threads(); !why.empty()) fail_environment(*trace_, why);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (origin_ == Origin::FreshPerRun) enter_fresh_origin(*trace_);
      if (opt_.pin_cpu) pin_to_one_cpu(opt_.pin_cpu_rank);
      if (opt_.fault_filter) harden_run_child(*trace_, filter, harden_error);
      trace_->append(trace::encode(trace::SandboxReady{::getpid(), ::getuid(), userns}));
      body_(*trace_, std::string_view(request.data() + 1, static_cast<std::size_t>(n) - 1));
      ::_exit(rt::kChildExitOk);
    }
    if (!send_msg(fd, Forked{pid < 0 ? -errno : pid})) ::_exit(rt::kChildExitOk);
    if (pid < 0) continue;
    int status = 0;
    struct rusage ru {};
    while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    if (!send_msg(fd, Ended{status, ru.ru_maxrss})) ::_exit(rt::kChildExitOk);
  }
}

RunRecord Zygote::run(std::string_view request) {
  RunRecord rec;
  if (!env_error_.empty()) {
    rec.env_error = env_error_;
    return rec;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto lost = [&](const std::string& what) {
    rec.env_error = "sandbox zygote: " + what;
    env_error_ = rec.env_error;  // it is gone: so are the runs after this one
    return rec;
  };
  if (request.size() > kMaxRequest) {
    rec.env_error = "sandbox zygote: a request of " + std::to_string(request.size()) + " bytes (at most " +
                    std::to_string(kMaxRequest) + ")";
    return rec;
  }
  trace_->reset();
  // Tagged with one byte: an empty request must not read as the zero-length end of stream.
  const std::string msg = "R" + std::string(request);
  if (::send(sock_, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size()))
    return lost(std::string("send: ") + std::strerror(errno));
  Forked forked{};
  if (!recv_msg(sock_, forked)) return lost("exited");
  if (forked.pid < 0) {
    rec.env_error = std::string("fork: ") + std::strerror(-forked.pid);
    return rec;
  }
  const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(opt_.timeout_s));
  rec.deadline = deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(kRunGraceS));
  // The run's child is the zygote's, so the zygote's word that it ended is what is waited
  // for; its deadline and memory are held as run_sandboxed holds its own child's.
  switch (watch_child(sock_, forked.pid, deadline, opt_.memory_limit_mb)) {
    case Watch::Ended: break;
    case Watch::TimedOut:
      rec.timed_out = true;
      ::kill(forked.pid, SIGKILL);  // still the zygote's unreaped child: the pid is its own
      break;
    case Watch::OverMemory:
      rec.memory_limit_hit = true;
      rec.memory_limit_mb = opt_.memory_limit_mb;
      ::kill(forked.pid, SIGKILL);
      break;
  }
  Ended ended{};
  if (!recv_msg(sock_, ended)) return lost("exited during a run");
  rec.max_rss_kb = ended.max_rss_kb;
  collect_run(rec, ended.status, *trace_);
  rec.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nsleak::sandbox
