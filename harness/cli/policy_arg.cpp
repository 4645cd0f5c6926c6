#include "harness/cli/policy_arg.hpp"

#include <filesystem>
#include <stdexcept>

#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/policy_file.hpp"

namespace nsleak::cli {

std::string check_policy(const std::string& name_or_path, const std::string& option) {
  const auto names = rt::policy_names();
  for (const auto& n : names)
    if (n == name_or_path) return n;
  // Anything that is a path, or exists, is read as a policy file, so that a directory or an
  // unreadable file is named as such rather than called an unknown policy.
  std::error_code ec;
  if (scenario::names_policy_file(name_or_path) || std::filesystem::exists(name_or_path, ec))
    return scenario::load_policy(name_or_path).name;
  throw rt::BadInput(option + ": unknown policy \"" + name_or_path + "\"" +
                              scenario::unknown_name_hint(name_or_path, scenario::policy_names_for_hints()) +
                              "; or give the path of a JSON policy file");
}

std::map<std::string, std::string> parse_substitutes(const std::vector<std::string>& subs) {
  std::map<std::string, std::string> out;
  for (const auto& s : subs) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      throw rt::BadInput("--substitute must be NAME=POLICY, got \"" + s + "\"");
    check_policy(s.substr(0, eq), "--substitute");
    check_policy(s.substr(eq + 1), "--substitute");
    out[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return out;
}

}  // namespace nsleak::cli
