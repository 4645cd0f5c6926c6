// The `reproduce:` command line of a run. The CLI builds it because only the CLI knows which
// flags it was given: every flag that changes the run (policy, substitute, strategy, timeout,
// trace records, memory limit, userns) is carried, shell-quoted so that it can be pasted whatever a path contains.
#pragma once

#include <string>

#include "harness/runner/run_report.hpp"

namespace nsleak::cli {

inline constexpr double kDefaultTimeout = 10;  // seconds; --timeout of run and test

// `file` as the scenario was loaded; `opt` as the run was started. With opt.expect_as set the
// line reads "--policy NAME --substitute NAME=POLICY".
std::string reproduce_command(const std::string& file, const runner::RunOptions& opt,
                              const std::string& strategy = "go-order");

std::string shell_quote(const std::string& s);

}  // namespace nsleak::cli
