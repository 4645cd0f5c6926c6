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
         "`sysctl -w user.max_user_namespaces=15000`, or run nsleak as root)";
}

SetupResult via_userns() {
  SetupResult r;
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWUTS) != 0) {
    r.error = errtext("unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWUTS)");
    if (errno == EPERM || errno == EUSERS || errno == ENOSPC) r.error += userns_hint();
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
  if (!force_userns && ::geteuid() == 0) {
    if (::unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0) return {};
    if (errno != EPERM) return {errtext("unshare(CLONE_NEWNET|CLONE_NEWUTS)"), false};
    // root without CAP_SYS_ADMIN (a container): a user namespace may still work.
  }
  return via_userns();
}

}  // namespace nsleak::sandbox
