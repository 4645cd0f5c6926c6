#include "harness/sandbox/namespace_setup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nsleak::sandbox {
namespace {

std::string errtext(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

bool write_file(const char* path, const std::string& data, std::string& err) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errtext((std::string("open ") + path).c_str());
    return false;
  }
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  if (!ok) err = errtext((std::string("write ") + path).c_str());
  ::close(fd);
  return ok;
}

const char* userns_hint() {
  return " (unprivileged user namespaces are disabled: as root, run "
         "`sysctl -w kernel.unprivileged_userns_clone=1` or "
         "`sysctl -w user.max_user_namespaces=15000` (Ubuntu 23.10+: also "
         "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or run nsleak as root)";
}

const char* container_hint() {
  return " (this process may not create namespaces even as root: a container without "
         "CAP_SYS_ADMIN, or a seccomp profile that blocks unshare — Docker's default does; run "
         "the container with --privileged or --security-opt seccomp=unconfined)";
}

SetupResult via_userns(const std::string& root_error) {
  SetupResult r;
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWUTS) != 0) {
    const bool refused = errno == EPERM || errno == EUSERS || errno == ENOSPC;
    r.error = errtext("unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWUTS)");
    if (!root_error.empty()) r.error = "as root " + root_error + ", and through a user namespace " + r.error;
    if (refused) r.error += root_error.empty() ? userns_hint() : container_hint();
    return r;
  }
  // Map ourselves to root inside, so per-thread unshare/setns later need no real privilege.
  if (!write_file("/proc/self/setgroups", "deny", r.error)) return r;
  if (!write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1", r.error)) return r;
  if (!write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1", r.error)) return r;
  r.userns = true;
  return r;
}

}  // namespace

SetupResult enter_private_namespaces(bool force_userns) {
  std::string root_error;
  if (!force_userns && ::geteuid() == 0) {
    if (::unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0) return {};
    if (errno != EPERM) return {errtext("unshare(CLONE_NEWNET|CLONE_NEWUTS)"), false};
    // root without CAP_SYS_ADMIN (a container): a user namespace may still work.
    root_error = errtext("unshare(CLONE_NEWNET|CLONE_NEWUTS)");
  }
  return via_userns(root_error);
}

}  // namespace nsleak::sandbox
