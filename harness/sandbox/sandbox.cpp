#include "harness/sandbox/sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "harness/ns/unique_fd.hpp"
#include "harness/sandbox/fault_filter.hpp"
#include "harness/sandbox/namespace_setup.hpp"
#include "harness/sandbox/step_recorder.hpp"

namespace nsleak::sandbox {
namespace {

constexpr int kEnvErrorExit = 3;

std::string drop_privileges(uid_t uid) {
  if (::setgroups(0, nullptr) != 0) return std::string("setgroups: ") + std::strerror(errno);
  if (::setresgid(uid, uid, uid) != 0) return std::string("setresgid: ") + std::strerror(errno);
  if (::setresuid(uid, uid, uid) != 0) return std::string("setresuid: ") + std::strerror(errno);
  // Undumpable processes get a root-owned /proc/self: the uid_map write would fail.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  return {};
}

[[noreturn]] void child_main(int fd, const SandboxOptions& opt,
                             const std::function<void(rt::Tracer&)>& body) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  ::signal(SIGPIPE, SIG_IGN);
  StepRecorder rec(fd, opt.observe_mask);
  std::string err;
  if (opt.run_as_uid) err = drop_privileges(*opt.run_as_uid);
  SetupResult setup;
  if (err.empty()) {
    setup = enter_private_namespaces(opt.force_userns);
    err = setup.error;
  }
  if (err.empty()) err = install_fault_filter();
  if (!err.empty()) {
    rec.write_line({{"ev", "env-error"}, {"message", err}});
    ::_exit(kEnvErrorExit);
  }
  rec.write_line({{"ev", "sandbox"}, {"userns", setup.userns}, {"pid", ::getpid()},
                  {"uid", ::getuid()}});
  body(rec);
  ::_exit(0);
}

// Reads complete lines from fd until EOF or the deadline; partial lines are kept for later.
bool pump(int fd, std::string& buf, RunRecord& rec, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return rc == 0 ? false : true;
    char chunk[65536];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // EOF: every write end is closed
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      auto j = nlohmann::json::parse(buf.substr(0, nl), nullptr, false);
      if (!j.is_discarded()) rec.events.push_back(std::move(j));
      buf.erase(0, nl + 1);
    }
  }
}

}  // namespace

RunRecord run_sandboxed(const SandboxOptions& opt, const std::function<void(rt::Tracer&)>& body) {
  RunRecord rec;
  const auto t0 = std::chrono::steady_clock::now();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    rec.env_error = std::string("pipe2: ") + std::strerror(errno);
    return rec;
  }
  ns::UniqueFd rd(fds[0]), wr(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) {
    rec.env_error = std::string("fork: ") + std::strerror(errno);
    return rec;
  }
  if (pid == 0) {
    rd.reset();
    child_main(wr.release(), opt, body);
  }
  wr.reset();
  std::string buf;
  const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(opt.timeout_s));
  if (!pump(rd.get(), buf, rec, deadline)) {
    rec.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) rec.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) rec.term_signal = WTERMSIG(status);
  for (const auto& ev : rec.events) {
    if (ev.value("ev", "") == "env-error") rec.env_error = ev.value("message", "");
    if (ev.value("ev", "") == "sandbox") rec.userns = ev.value("userns", false);
  }
  rec.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

std::string probe_environment(const SandboxOptions& opt) {
  SandboxOptions o = opt;
  o.timeout_s = 5;
  RunRecord r = run_sandboxed(o, [](rt::Tracer&) {});
  if (!r.env_error.empty()) return r.env_error;
  if (r.exit_code != 0) return "sandbox probe child failed (exit " + std::to_string(r.exit_code) + ")";
  return {};
}

}  // namespace nsleak::sandbox
