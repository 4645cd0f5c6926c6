#include "harness/os/ns_id.hpp"

#include <cstdio>

namespace nsleak::os {

std::string NsId::str() const {
  if (!valid()) return "?";
  return std::to_string(dev) + ":" + std::to_string(ino);
}

NsId NsId::parse(const std::string& s) {
  unsigned long long d = 0, i = 0;
  if (std::sscanf(s.c_str(), "%llu:%llu", &d, &i) != 2) return {};
  return {d, i};
}

}  // namespace nsleak::os
