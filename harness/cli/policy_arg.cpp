#include "harness/cli/policy_arg.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/did_you_mean.hpp"

namespace nsleak::cli {

std::string check_policy(const std::string& name_or_path, const std::string& option) {
  const auto names = rt::policy_names();
  for (const auto& n : names)
    if (n == name_or_path) return n;
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return rt::load_policy(name_or_path).name;
  // Ties go to the default (current Go): "go1.13" most likely means it, not go1.10.
  auto hint_order = names;
  std::stable_partition(hint_order.begin(), hint_order.end(), [](const std::string& n) { return n == "go1.12"; });
  throw rt::BadInput(option + ": unknown policy \"" + name_or_path + "\"" +
                              scenario::unknown_name_hint(name_or_path, hint_order) +
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
