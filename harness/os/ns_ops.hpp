// Namespace operations on the *calling thread*: get, unshare, setns.
//
// Small functions that return a SysResult instead of throwing: the scheduler calls them from
// goroutines on arbitrary Ms, and a failed syscall is an observation to record, not a C++
// error. errno is captured first, before anything else can run (nsjail's habit), and every
// message names the syscall with its flags decoded: `setns(fd 5, CLONE_NEWNET): EPERM`.
#pragma once

#include <sys/types.h>

#include <string>

#include "harness/os/ns_kind.hpp"
#include "harness/os/unique_fd.hpp"

namespace nsleak::os {

struct SysResult {
  int err = 0;          // 0 on success, else the errno
  std::string call;     // the syscall with decoded arguments, for messages
  bool ok() const { return err == 0; }
  std::string message() const;  // "setns(fd 5, CLONE_NEWNET): EPERM (hint…)"
};

// An open namespace: owns the nsfs fd and knows its identity.
struct NsHandle {
  UniqueFd fd;
  NsId id;
  NsKind kind = NsKind::Net;
};

// Opens /proc/thread-self/ns/<kind> of the calling thread (netns.Get()).
SysResult open_current(NsKind kind, NsHandle& out);
// Identity of the calling thread's namespace, by stat (no fd kept).
NsId current_id(NsKind kind);
// Identity of task `tid` of this process; invalid if the task is gone.
NsId task_id(pid_t tid, NsKind kind);
// unshare(CLONE_NEW<kind>) on the calling thread; `fail_errno` != 0 makes the kernel fail it.
SysResult unshare_ns(NsKind kind, int fail_errno = 0);
// setns(h.fd, CLONE_NEW<kind>) on the calling thread; `fail_errno` as above.
SysResult set_ns(const NsHandle& h, int fail_errno = 0);

}  // namespace nsleak::os
