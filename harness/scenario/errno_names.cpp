#include "harness/scenario/errno_names.hpp"

#include "harness/os/fault_injection.hpp"

namespace nsleak::scenario {

// The injectable set is the sandbox's: os::kFaultErrnos is what its seccomp filter can fail.
const std::vector<std::string>& injectable_errno_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int e : os::kFaultErrnos) v.push_back(os::errno_name(e));
    return v;
  }();
  return names;
}

std::optional<int> injectable_errno(std::string_view name) {
  return os::errno_from_name(std::string(name));
}

}  // namespace nsleak::scenario
