// The sandbox child's seccomp filter: an allowlist.
//
// Only the syscalls that the runtime (pthreads, futexes, fiber stacks), the observer (reading
// /proc/self/task/*/ns/*), the ops (unshare, setns, chdir, the exec probe) and the exec probe's
// own `stat` process need are allowed, with argument filters where the kernel's ABI lets
// seccomp see the argument:
//   unshare  only with flags of the state table (os::state_kinds' clone and implied flags);
//   setns    only with exactly one row's CLONE_NEW* flag as nstype (never 0: "any type");
//   clone    only with glibc's thread flags, or posix_spawn's CLONE_VM|CLONE_VFORK|SIGCHLD;
//   clone3   answered ENOSYS (its flags are behind a pointer, which seccomp cannot read), so
//            glibc falls back to clone, whose flags it can;
//   prctl, ioctl, tgkill, kill: the few requests glibc makes on its own behalf.
// Fault injection's marked calls (os/fault_injection.hpp) are answered with their errno by
// rules of the same filter. Anything else traps (SIGSYS): violation.hpp records the call in
// the trace and ends the child, and the run's outcome is sandbox-violation.
#pragma once

#include <string>

namespace nsleak::sandbox {

// Sets no_new_privs and installs the filter on the calling, still single, thread; every thread
// and process it creates inherits it. Returns an error message, empty on success.
std::string install_syscall_filter();

}  // namespace nsleak::sandbox
