// State operations: read a kind's value for the calling thread or any task of this process,
// and change it on the calling thread (unshare, setns). Each follows its row of the state
// table (state_kind.hpp); every failure is a SysResult.
#pragma once

#include <sys/types.h>

#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"
#include "harness/os/unique_fd.hpp"

namespace nsleak::os {

// An open namespace: owns the nsfs fd and knows its identity.
struct NsHandle {
  UniqueFd fd;
  StateValue id;
  StateKind kind = StateKind::Net;
};

// Opens /proc/thread-self/<entry> of the calling thread (netns.Get()).
SysResult open_current(StateKind kind, NsHandle& out);
// The calling thread's value, read without keeping an fd; invalid if it cannot be read.
StateValue current_value(StateKind kind);
// The value of the task whose directory `tid` is under the open directory `task_dir`
// (/proc/self/task); invalid if the task is gone.
StateValue task_value(int task_dir, const char* tid, StateKind kind);
// unshare(<kind's flag>) on the calling thread; `fail_errno` != 0 makes the kernel fail it.
SysResult unshare_state(StateKind kind, int fail_errno = 0);
// setns(h.fd, <kind's flag>) on the calling thread; `fail_errno` as above.
SysResult set_ns(const NsHandle& h, int fail_errno = 0);
// The calls as messages (and reports of injected failures) write them:
// "unshare(CLONE_NEWNET)", "setns(fd 5, CLONE_NEWNET)".
std::string unshare_call(StateKind kind);
std::string setns_call(int fd, StateKind kind);

}  // namespace nsleak::os
