#include "harness/observe/observe_run.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/observe/supervisor.hpp"

namespace nsleak::observe {

bool Observation::found_leak() const {
  for (const auto& f : analysis.findings)
    if (verdict::verdict_is_leak(f.kind)) return true;
  return false;
}

std::string find_executable(const std::string& name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
    std::string dir = dirs.substr(at, colon - at);
    if (dir.empty()) dir = ".";
    const std::string cand = dir + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    at = colon + 1;
  }
  return {};
}

Observation observe_command(const std::vector<std::string>& argv, const ObserveOptions& opt) {
  Observation o;
  o.argv = argv;
  o.path = find_executable(argv.empty() ? std::string() : argv[0]);
  Supervisor sup;
  sandbox::SandboxOptions so;
  so.timeout_s = opt.timeout_s;
  so.force_userns = opt.force_userns;
  so.pin_cpu = false;
  so.fault_filter = false;
  so.supervisor = sup.hook();
  // Resolved before the fork: the child execs once (execvp's PATH walk would be several
  // notified execve attempts), and builds nothing after it forked.
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string path = o.path;
  const bool to_stderr = opt.stdout_to_stderr;
  const int out_fd = opt.stdout_fd;
  o.record = sandbox::run_sandboxed(so, [&](trace::TraceBuffer&) {
    if (to_stderr) ::dup2(2, 1);
    else if (out_fd >= 0) ::dup2(out_fd, 1);  // dup2 clears close-on-exec on the copy
    ::execv(path.c_str(), args.data());
    std::fprintf(stderr, "nsleak observe: exec %s: %s\n", path.c_str(), std::strerror(errno));
    ::_exit(127);
  });
  o.log = std::move(sup.log());
  o.analysis = analyze_tree(o.log);
  return o;
}

}  // namespace nsleak::observe
