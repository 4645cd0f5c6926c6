#include "harness/os/sys_result.hpp"

#include "harness/os/fault_injection.hpp"

namespace nsleak::os {
namespace {

// The errno values users actually hit, in plain words (bubblewrap's habit).
const char* hint(int err) {
  switch (err) {
    case EPERM:
      return "needs CAP_SYS_ADMIN in the namespace's owning user namespace; run as root or let "
             "nsleak create a user namespace (kernel.unprivileged_userns_clone=1)";
    case EINVAL:
      return "the fd is not a namespace of that kind, or the kernel lacks the namespace type";
    case EUSERS:
    case ENOSPC:
      return "too many namespaces: see /proc/sys/user/max_*_namespaces";
    default:
      return nullptr;
  }
}

}  // namespace

std::string SysResult::message() const {
  if (ok()) return call + ": ok";
  std::string m = call + ": " + errno_name(err);
  if (const char* h = hint(err)) m += std::string(" (") + h + ")";
  return m;
}

}  // namespace nsleak::os
