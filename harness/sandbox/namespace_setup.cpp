#include "harness/sandbox/namespace_setup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "harness/os/state_kind.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/sandbox/id_maps.hpp"

namespace nsleak::sandbox {
namespace {

// `err` is the errno captured right after the call, before building any text could change it.
std::string errtext(int err, const std::string& call) { return call + ": " + std::strerror(err); }

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
  IdMapHelper maps;  // as root: writes a multi-id map from outside (id_maps.hpp)
  if (::unshare(CLONE_NEWUSER | os::all_namespace_flags()) != 0) {
    const int e = errno;
    const bool refused = e == EPERM || e == EUSERS || e == ENOSPC;
    r.error = errtext(e, "unshare(CLONE_NEWUSER|" + os::all_namespace_flag_names() + ")");
    if (!root_error.empty()) r.error = "as root " + root_error + ", and through a user namespace " + r.error;
    if (refused) r.error += root_error.empty() ? userns_hint() : container_hint();
    return r;
  }
  // Map ourselves to root inside, so per-thread unshare/setns later need no real privilege.
  if (!maps.write(uid, gid, r.error)) return r;
  r.userns = true;
  return r;
}

}  // namespace

SetupResult enter_private_namespaces(bool force_userns) {
  std::string root_error;
  if (!force_userns && ::geteuid() == 0) {
    // Every namespace kind of the state table: the scenario's threads start in private ones.
    if (::unshare(os::all_namespace_flags()) == 0) return {};
    const int e = errno;
    const std::string call = "unshare(" + os::all_namespace_flag_names() + ")";
    if (e != EPERM) return {errtext(e, call), false};
    // root without CAP_SYS_ADMIN (a container): a user namespace may still work.
    root_error = errtext(e, call);
  }
  return via_userns(root_error);
}

}  // namespace nsleak::sandbox
