#include "harness/os/state_value.hpp"

#include <cstdio>

namespace nsleak::os {

std::string StateValue::str() const {
  if (!valid()) return "?";
  return std::to_string(major) + ":" + std::to_string(minor);
}

StateValue StateValue::parse(const std::string& s) {
  unsigned long long a = 0, b = 0;
  if (std::sscanf(s.c_str(), "%llu:%llu", &a, &b) != 2) return {};
  return {a, b};
}

}  // namespace nsleak::os
