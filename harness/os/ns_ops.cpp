#include "harness/os/ns_ops.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "harness/os/fault_injection.hpp"

namespace nsleak::os {
namespace {

std::string flag_name(NsKind k) { return k == NsKind::Net ? "CLONE_NEWNET" : "CLONE_NEWUTS"; }

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

SysResult result(std::string call, int rc) {
  SysResult r;
  r.err = rc == 0 ? 0 : errno;  // read errno before anything else runs
  r.call = std::move(call);
  return r;
}

}  // namespace

std::string SysResult::message() const {
  if (ok()) return call + ": ok";
  std::string m = call + ": " + errno_name(err);
  if (const char* h = hint(err)) m += std::string(" (") + h + ")";
  return m;
}

SysResult open_current(NsKind kind, NsHandle& out) {
  const std::string path = std::string("/proc/thread-self/ns/") + proc_name(kind);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  SysResult r = result("open(" + path + ")", fd < 0 ? -1 : 0);
  if (!r.ok()) return r;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r = result("fstat(" + path + ")", -1);
    ::close(fd);
    return r;
  }
  out.fd.reset(fd);
  out.id = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  out.kind = kind;
  return r;
}

NsId current_id(NsKind kind) {
  const std::string path = std::string("/proc/thread-self/ns/") + proc_name(kind);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

NsId task_id(pid_t tid, NsKind kind) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/ns/%s", static_cast<int>(tid),
                proc_name(kind));
  struct stat st {};
  if (::stat(path, &st) != 0) return {};
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

SysResult unshare_ns(NsKind kind, int fail_errno) {
  unsigned flags = static_cast<unsigned>(clone_flag(kind));
  if (fail_errno != 0)
    if (auto i = fault_index(fail_errno)) flags |= static_cast<unsigned>(*i + 1);
  int rc = ::unshare(static_cast<int>(flags));
  return result("unshare(" + flag_name(kind) + ")", rc);
}

SysResult set_ns(const NsHandle& h, int fail_errno) {
  int fd = h.fd.get();
  UniqueFd marked;
  if (fail_errno != 0) {
    if (auto i = fault_index(fail_errno)) {
      // dup onto the marker fd; the seccomp filter fails setns on exactly this number.
      int want = kFaultFdBase + static_cast<int>(*i);
      if (::dup3(fd, want, O_CLOEXEC) < 0) return result("dup3(fault marker)", -1);
      marked.reset(want);
      fd = want;
    }
  }
  int rc = ::setns(fd, clone_flag(h.kind));
  return result("setns(fd " + std::to_string(h.fd.get()) + ", " + flag_name(h.kind) + ")", rc);
}

}  // namespace nsleak::os
