// One observed run: any program, exec'd in the sandbox (fresh user/net/uts/... namespaces; the
// host never changes) under the seccomp supervisor, and what its kernel facts say.
#pragma once

#include <string>
#include <vector>

#include "harness/observe/analyze_tree.hpp"
#include "harness/observe/kernel_log.hpp"
#include "harness/sandbox/sandbox.hpp"

namespace nsleak::observe {

struct ObserveOptions {
  double timeout_s = 10.0;
  bool force_userns = false;
  bool stdout_to_stderr = false;  // the program's stdout goes to stderr (ours carries JSON)
  int stdout_fd = -1;             // else, when >= 0: the program's stdout goes there (conform reads its JSON lines)
};

struct Observation {
  std::vector<std::string> argv;  // argv[0] as given
  std::string path;               // what was exec'd
  sandbox::RunRecord record;      // exit status, timeout, environment errors
  KernelLog log;
  TreeAnalysis analysis;
  bool found_leak() const;        // a finding of a leak kind (verdict_is_leak)
};

// `argv[0]` as execvp would find it on PATH; "" when there is no such executable.
std::string find_executable(const std::string& name);

// Runs argv (argv[0] resolved by find_executable first) and analyses it.
Observation observe_command(const std::vector<std::string>& argv, const ObserveOptions& opt);

}  // namespace nsleak::observe
