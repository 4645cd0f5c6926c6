#include "harness/os/exec_probe.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "harness/os/unique_fd.hpp"

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

SysResult exec_probe(StateKind kind, StateValue& out) {
  const std::string path = std::string("/proc/self/") + info(kind).task_entry;
  int fds[2];
  if (SysResult r = sys_result(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)"); !r.ok()) return r;
  UniqueFd rd(fds[0]), wr(fds[1]);
  const std::string call = std::string("posix_spawn(") + stat_program() + " -L -c %d:%i " + path + ")";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
  const char* argv[] = {"stat", "-L", "-c", "%d:%i", path.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, stat_program(), &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  wr.reset();
  if (rc != 0) return sys_error(rc, call);
  std::string text;
  char buf[128];
  for (ssize_t n; (n = ::read(rd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out = StateValue::parse(text);
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && out.valid();
  return sys_error(ok ? 0 : ECHILD, call);
}

}  // namespace nsleak::os
