#include "harness/os/state_ops.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "harness/os/fault_injection.hpp"

namespace nsleak::os {
namespace {

StateValue identity(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

// Reads `entry` (relative to `dir`) the way the kind's row says.
StateValue read_at(int dir, const char* entry, StateKind kind) {
  switch (info(kind).read) {
    case ReadBy::NsfsIdentity:
    case ReadBy::DirIdentity: {  // stat follows the link to the nsfs inode or the directory
      struct stat st {};
      if (::fstatat(dir, entry, &st, 0) != 0) return {};
      return identity(st);
    }
  }
  return {};
}

}  // namespace

SysResult open_current(StateKind kind, NsHandle& out) {
  const std::string path = std::string("/proc/thread-self/") + info(kind).task_entry;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  SysResult r = sys_result(fd.get(), [&] { return "open(" + path + ")"; });
  if (!r.ok()) return r;
  struct stat st {};
  r = sys_result(::fstat(fd.get(), &st), [&] { return "fstat(" + path + ")"; });
  if (!r.ok()) return r;
  out.fd = std::move(fd);
  out.id = identity(st);
  out.kind = kind;
  return r;
}

StateValue current_value(StateKind kind) {
  const std::string path = std::string("/proc/thread-self/") + info(kind).task_entry;
  return read_at(AT_FDCWD, path.c_str(), kind);
}

StateValue task_value(int task_dir, const char* tid, StateKind kind) {
  char rel[64];
  std::snprintf(rel, sizeof rel, "%s/%s", tid, info(kind).task_entry);
  return read_at(task_dir, rel, kind);
}

SysResult unshare_state(StateKind kind, int fail_errno) {
  const StateKindInfo& k = info(kind);
  unsigned flags = static_cast<unsigned>(k.clone_flag);
  if (fail_errno != 0)
    if (auto i = fault_index(fail_errno)) flags |= static_cast<unsigned>(*i + 1);
  return sys_result(::unshare(static_cast<int>(flags)),
                    [&] { return unshare_call(kind); });
}

std::string unshare_call(StateKind kind) { return std::string("unshare(") + info(kind).flag_name + ")"; }

std::string setns_call(int fd, StateKind kind) {
  return "setns(fd " + std::to_string(fd) + ", " + info(kind).flag_name + ")";
}

SysResult set_ns(const NsHandle& h, int fail_errno) {
  int fd = h.fd.get();
  UniqueFd marked;
  if (fail_errno != 0) {
    if (auto i = fault_index(fail_errno)) {
      // dup onto the marker fd; the seccomp filter fails setns on exactly this number.
      const int want = kFaultFdBase + static_cast<int>(*i);
      marked.reset(::dup3(fd, want, O_CLOEXEC));
      if (!marked.valid()) return sys_result(-1, "dup3(fault marker)");
      fd = want;
    }
  }
  return sys_result(::setns(fd, info(h.kind).clone_flag), [&] { return setns_call(h.fd.get(), h.kind); });
}

}  // namespace nsleak::os
