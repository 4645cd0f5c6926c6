#include "harness/os/exec_probe.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

extern char** environ;

namespace nsleak::os {

const char* stat_program() {
  // By absolute path, never looked up in $PATH: a `stat` earlier in the invoker's PATH must
  // not run inside the sandbox (as uid 0, with the sandbox's capabilities).
  static const char* const found = [] {
    for (const char* p : {"/usr/bin/stat", "/bin/stat"})
      if (::access(p, X_OK) == 0) return p;
    return "/usr/bin/stat";  // posix_spawn then reports ENOENT, naming it
  }();
  return found;
}

SysResult probe_start(StateKind kind, ProbeChild& c) {
  const std::string path = std::string("/proc/self/") + info(kind).task_entry;
  int fds[2];
  if (SysResult r = sys_result(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)"); !r.ok()) return r;
  UniqueFd rd(fds[0]), wr(fds[1]);
  c.call = std::string("posix_spawn(") + stat_program() + " -L -c %d:%i " + path + ")";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
  const char* argv[] = {"stat", "-L", "-c", "%d:%i", path.c_str(), nullptr};
  const int rc = ::posix_spawn(&c.pid, stat_program(), &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return sys_error(rc, c.call);
  c.out = std::move(rd);
  return {};
}

SysResult probe_read(ProbeChild& c) {
  char buf[128];
  for (ssize_t n; (n = ::read(c.out.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_result(-1, [&] { return "read(" + c.call + " stdout)"; });
    c.text.append(buf, static_cast<std::size_t>(n));
  }
  c.out.reset();
  return {};
}

SysResult probe_wait(ProbeChild& c) {
  while (::waitpid(c.pid, &c.status, 0) < 0) {
    if (errno != EINTR) return sys_result(-1, [&] { return "wait4(" + c.call + ")"; });
  }
  return {};
}

SysResult probe_result(const ProbeChild& c, StateValue& out) {
  out = StateValue::parse(c.text);
  const bool ok = WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0 && out.valid();
  return sys_error(ok ? 0 : ECHILD, c.call);
}

SysResult exec_probe(StateKind kind, StateValue& out) {
  ProbeChild c;
  if (SysResult r = probe_start(kind, c); !r.ok()) return r;
  if (SysResult r = probe_read(c); !r.ok()) return r;
  if (SysResult r = probe_wait(c); !r.ok()) return r;
  return probe_result(c, out);
}

}  // namespace nsleak::os
