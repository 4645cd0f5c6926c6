#include "harness/sandbox/capabilities.hpp"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nsleak::sandbox {
namespace {

struct Kept {
  int cap;
  const char* name;
  const char* why;
};

// One row per capability an op needs; extend it with the op that needs a new one.
constexpr Kept kKeptCapabilities[] = {
    {CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "unshare/setns of every namespace kind; sethostname"},
    {CAP_SYS_CHROOT, "CAP_SYS_CHROOT", "setns into a mount namespace"},
    {CAP_SETUID, "CAP_SETUID", "per-thread credentials (setresuid)"},
    {CAP_SETGID, "CAP_SETGID", "per-thread credentials (setresgid, setgroups)"},
    {CAP_SYS_NICE, "CAP_SYS_NICE", "lowering a thread's nice value"},
};

bool kept(int cap) {
  for (const auto& k : kKeptCapabilities)
    if (k.cap == cap) return true;
  return false;
}

std::string err(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::string drop_capabilities() {
  // Before the bounding set loses CAP_SETPCAP, which changing the securebits needs.
  if (::prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0) != 0 && errno != EPERM)
    return err("prctl(PR_SET_SECUREBITS, SECBIT_NOROOT|SECBIT_NOROOT_LOCKED)");
  for (int cap = 0; cap <= 63; ++cap) {
    if (kept(cap)) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // past the kernel's last capability
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM) return err("prctl(PR_CAPBSET_DROP)");
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return err("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return err("capget");
  __user_cap_data_struct want[_LINUX_CAPABILITY_U32S_3]{};
  for (const auto& k : kKeptCapabilities) {
    const unsigned word = static_cast<unsigned>(k.cap) / 32, bit = 1u << (static_cast<unsigned>(k.cap) % 32);
    want[word].permitted |= data[word].permitted & bit;  // what we have of it, never more
    want[word].effective |= data[word].permitted & bit;
  }
  if (::syscall(SYS_capset, &hdr, want) != 0) return err("capset");
  return {};
}

std::string kept_capability_names() {
  std::string out;
  for (const auto& k : kKeptCapabilities) out += (out.empty() ? "" : "|") + std::string(k.name);
  return out;
}

}  // namespace nsleak::sandbox
