#include "harness/cli/reproduce.hpp"

namespace nsleak::cli {

// POSIX shell quoting: safe characters as they are, anything else inside '...'.
std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@+,") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string reproduce_command(const std::string& file, const runner::RunOptions& opt, const std::string& strategy) {
  std::string s = "nsleak run " + shell_quote(file);
  if (!opt.expect_as.empty() && opt.expect_as != opt.policy)
    s += " --policy " + shell_quote(opt.expect_as) + " --substitute " + shell_quote(opt.expect_as + "=" + opt.policy);
  else
    s += " --policy " + shell_quote(opt.policy);
  if (strategy != "go-order") s += " --strategy " + shell_quote(strategy);
  if (opt.sandbox.timeout_s != kDefaultTimeout) {
    std::string t = std::to_string(opt.sandbox.timeout_s);
    t.erase(t.find_last_not_of('0') + 1);  // 2.500000 -> 2.5, 30.000000 -> 30.
    if (t.ends_with('.')) t.pop_back();
    s += " --timeout " + t;
  }
  if (opt.sandbox.trace_records != trace::kDefaultTraceRecords)
    s += " --trace-records " + std::to_string(opt.sandbox.trace_records);
  if (opt.sandbox.memory_limit_mb != sandbox::kDefaultMemoryLimitMb)
    s += " --memory-limit " + std::to_string(opt.sandbox.memory_limit_mb);
  if (opt.sandbox.force_userns) s += " --userns";
  return s;
}

}  // namespace nsleak::cli
