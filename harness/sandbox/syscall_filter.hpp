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

#include <linux/filter.h>

#include <cstddef>
#include <string>
#include <vector>

namespace nsleak::sandbox {

// The allowlist as classic BPF, compiled once and loaded by many processes: libseccomp's rule
// database and its code generation were about 0.3-0.5 ms of every zygote run's child, as much
// as the kernel's own load. The only per-process value in it is the pid the tgkill and kill
// rules compare with, compiled as a placeholder (no real pid is that large) and patched in by
// load_syscall_filter.
struct SyscallFilter {
  std::vector<sock_filter> code;
  std::vector<std::size_t> pid_at;  // the instructions comparing with the placeholder
};
// Compiles the filter into `out`. Returns an error message, empty on success.
std::string compile_syscall_filter(SyscallFilter& out);
// Sets no_new_privs and installs `f` on the calling, still single, thread, with its own pid
// patched in (in place: call it in the process that loads it, e.g. a fork's copy); every
// thread and process it creates inherits it. Returns an error message, empty on success.
std::string load_syscall_filter(SyscallFilter& f);
// The filter compiled once per process, on first use (thread-safe), for the children
// run_sandboxed forks: call it before the fork; each child loads its own copy of it
// (load_syscall_filter patches the child's copy, never the parent's). Compiling it in every
// child cost each fresh-sandbox run about 0.2-0.3 ms of libseccomp (perf, the library).
struct CompiledSyscallFilter {
  SyscallFilter filter;
  std::string error;  // compile_syscall_filter's, empty on success
};
CompiledSyscallFilter& process_syscall_filter();

}  // namespace nsleak::sandbox
