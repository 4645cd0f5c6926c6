#include "harness/os/fault_injection.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nsleak::os {

std::optional<std::size_t> fault_index(int err) {
  for (std::size_t i = 0; i < kFaultErrnos.size(); ++i)
    if (kFaultErrnos[i] == err) return i;
  return std::nullopt;
}

unsigned fault_marker(int fail_errno) {
  if (fail_errno == 0) return 0;
  const auto i = fault_index(fail_errno);
  return i ? static_cast<unsigned>(*i + 1) : 0;
}

int clone_new_thread_fault() {
  const long rc = ::syscall(SYS_clone, kNewThreadFaultFlags, 0, 0, 0, 0);
  return rc < 0 ? errno : 0;  // 0 cannot happen: the kernel refuses these flags
}

std::optional<int> errno_from_name(const std::string& name) {
  for (int e : kFaultErrnos)
    if (name == errno_name(e)) return e;
  return std::nullopt;
}

std::string errno_name(int err) {
  if (const char* n = ::strerrorname_np(err)) return n;  // "EPERM": glibc >= 2.32
  return "errno " + std::to_string(err);
}

}  // namespace nsleak::os
