#include "harness/scenario/errno_names.hpp"

#include <array>
#include <cerrno>

namespace nsleak::scenario {
namespace {

struct ErrnoName {
  const char* name;
  int value;
};

constexpr std::array<ErrnoName, 7> kInjectable{{
    {"EPERM", EPERM},
    {"EINVAL", EINVAL},
    {"EBADF", EBADF},
    {"ENOMEM", ENOMEM},
    {"EUSERS", EUSERS},
    {"ENOSPC", ENOSPC},
    {"EACCES", EACCES},
}};

}  // namespace

const std::vector<std::string>& injectable_errno_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : kInjectable) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

std::optional<int> injectable_errno(std::string_view name) {
  for (const auto& e : kInjectable)
    if (name == e.name) return e.value;
  return std::nullopt;
}

}  // namespace nsleak::scenario
