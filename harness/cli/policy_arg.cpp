#include "harness/cli/policy_arg.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

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
  throw std::invalid_argument(option + ": unknown policy \"" + name_or_path + "\"" +
                              scenario::unknown_name_hint(name_or_path, hint_order) +
                              "; or give the path of a JSON policy file");
}

}  // namespace nsleak::cli
