#include "harness/os/exec_probe.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "harness/os/state_ops.hpp"

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

bool stated_by_child(StateKind kind) {
  const ReadBy r = info(kind).read;
  return r == ReadBy::NsfsIdentity || r == ReadBy::DirIdentity;
}

SysResult probe_start(unsigned kinds, ProbeChild& c) {
  c.kinds = kinds | (1u << index(StateKind::Net));
  std::vector<std::string> paths;  // one per kind the child stats, in the table's order
  for (auto k : kAllKinds)
    if ((c.kinds & (1u << index(k))) != 0 && stated_by_child(k)) paths.push_back(std::string("/proc/self/") + info(k).task_entry);
  int fds[2];
  if (SysResult r = sys_result(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)"); !r.ok()) return r;
  UniqueFd rd(fds[0]), wr(fds[1]);
  c.call = std::string("posix_spawn(") + stat_program() + " -L -c %d:%i";
  std::vector<const char*> argv{"stat", "-L", "-c", "%d:%i"};
  for (const auto& p : paths) {
    c.call += " " + p;
    argv.push_back(p.c_str());
  }
  c.call += ")";
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
  const int rc = ::posix_spawn(&c.pid, stat_program(), &fa, nullptr, const_cast<char* const*>(argv.data()), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return sys_error(rc, c.call);
  c.out = std::move(rd);
  // posix_spawn returns once the child has exec'd (CLONE_VFORK), and nothing reaps it before
  // probe_wait: its /proc/<pid> is there, alive or a zombie, and shows its own credentials,
  // mask and nice value (stat(1) changes none of them).
  const UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const std::string pid = std::to_string(c.pid);
  for (auto k : kAllKinds)
    if ((c.kinds & (1u << index(k))) != 0 && !stated_by_child(k)) {
      c.numeric[index(k)] = task_value(proc.get(), pid.c_str(), k);
      if (!c.numeric[index(k)].valid()) return sys_error(ESRCH, "read /proc/" + pid + "/" + info(k).task_entry + " of " + c.call);
    }
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

SysResult probe_result(const ProbeChild& c, StateSet& out) {
  out = c.numeric;
  bool ok = WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0;
  std::size_t at = 0;  // stat(1) prints one line per path, in argument order
  for (auto k : kAllKinds) {
    if ((c.kinds & (1u << index(k))) == 0 || !stated_by_child(k)) continue;
    const std::size_t end = c.text.find('\n', at);
    out[index(k)] = StateValue::parse(c.text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    ok = ok && out[index(k)].valid();
    at = end == std::string::npos ? c.text.size() : end + 1;
  }
  return sys_error(ok ? 0 : ECHILD, c.call);
}

SysResult exec_probe(StateKind kind, StateValue& out) {
  ProbeChild c;
  if (SysResult r = probe_start(1u << index(kind), c); !r.ok()) return r;
  if (SysResult r = probe_read(c); !r.ok()) return r;
  if (SysResult r = probe_wait(c); !r.ok()) return r;
  StateSet all{};
  SysResult r = probe_result(c, all);
  out = all[index(kind)];
  return r;
}

}  // namespace nsleak::os
