#include "harness/ns/fault_injection.hpp"

#include <cstring>
#include <utility>

namespace nsleak::ns {
namespace {

constexpr std::array<std::pair<int, const char*>, 7> kNames{{{EPERM, "EPERM"},
                                                             {EINVAL, "EINVAL"},
                                                             {EBADF, "EBADF"},
                                                             {ENOMEM, "ENOMEM"},
                                                             {EUSERS, "EUSERS"},
                                                             {ENOSPC, "ENOSPC"},
                                                             {EACCES, "EACCES"}}};

}  // namespace

std::optional<std::size_t> fault_index(int err) {
  for (std::size_t i = 0; i < kFaultErrnos.size(); ++i)
    if (kFaultErrnos[i] == err) return i;
  return std::nullopt;
}

std::optional<int> errno_from_name(const std::string& name) {
  for (const auto& [e, n] : kNames)
    if (name == n) return e;
  return std::nullopt;
}

std::string errno_name(int err) {
  for (const auto& [e, n] : kNames)
    if (e == err) return n;
  if (err == ENOENT) return "ENOENT";
  if (err == ENOSYS) return "ENOSYS";
  return "errno " + std::to_string(err) + " (" + std::strerror(err) + ")";
}

}  // namespace nsleak::ns
