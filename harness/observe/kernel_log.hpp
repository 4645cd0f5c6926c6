// KernelLog: what the seccomp supervisor saw of a sandboxed process tree, kernel facts only.
// One event per notified syscall, in the order the supervisor received them, each with a
// snapshot of every task of the tree taken while the calling thread was stopped *before* the
// call ran: a task's state in a snapshot is the result of every notified call that was
// answered before it. Nothing here knows about goroutines or about the model's trace.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/os/state_kind.hpp"

namespace nsleak::observe {

// The notified calls, in the order of sandbox::kNotifiedSyscalls (the filter's list; call_name
// is that list's name, as strace prints it).
enum class Call : std::uint8_t {
  Setns, Unshare, Clone, Clone3, Fork, Vfork, Execve, Execveat, Exit, ExitGroup,
  Chdir, Fchdir, Setuid, Setgid, Setreuid, Setregid, Setresuid, Setresgid, Setfsuid, Setfsgid, Setgroups,
  SchedSetaffinity, Setpriority
};
const char* call_name(Call c);  // "setns"
inline bool creates_task(Call c) { return c == Call::Clone || c == Call::Clone3 || c == Call::Fork || c == Call::Vfork; }
inline bool is_exec(Call c) { return c == Call::Execve || c == Call::Execveat; }
// A call that moves the state of a thread (the caller's, or for sched_setaffinity and
// setpriority the one it names: target_tid): a later snapshot's change is explained by it.
inline bool changes_state(Call c) { return c == Call::Setns || c == Call::Unshare || c >= Call::Chdir; }

struct TaskRow {
  pid_t pid = 0;  // the thread group (process)
  pid_t tid = 0;
  os::StateSet state{};  // the kinds of KernelLog::kinds_mask
  // Whether the task shares its fs struct (cwd) with its process's main thread: false once
  // either of them unshare(CLONE_FS)'d (kcmp(2) KCMP_FS); unknown for the main thread itself,
  // when the main thread is gone, or where kcmp is not available (CONFIG_KCMP, EPERM). A
  // thread with an fs struct of its own is not dirty by that alone (its cwd is what a later
  // user sees), but a later chdir of the process will not move it.
  std::optional<bool> fs_shared;
};

struct KernelEvent {
  std::int64_t seq = 0;
  double t_ms = 0;  // since the supervisor started
  pid_t pid = 0, tid = 0;  // the caller (pid 0: it vanished before it could be placed)
  Call call = Call::Setns;
  std::array<std::uint64_t, 6> args{};
  // clone/fork/vfork: the flags (clone3: read from the caller's struct clone_args; unknown
  // when that read failed); unshare: its flags; setns: its nstype.
  std::optional<std::uint64_t> flags;
  std::string target;  // setns, fchdir: what the fd is ("net:[4026532178]"); exec, chdir: the path
  std::vector<TaskRow> tasks;  // the whole tree, just before the call ran, by (pid, tid)
};

// The thread a state-changing call moves: the caller, except sched_setaffinity(tid, ...) and
// setpriority(PRIO_PROCESS, tid, ...) with a tid other than 0 (0: setpriority(PRIO_PGRP or
// PRIO_USER): several, not one).
pid_t target_tid(const KernelEvent& ev);

struct KernelLog {
  pid_t root = 0;           // the sandbox child: its leader is the program's main thread
  unsigned kinds_mask = 0;  // bit os::index(kind) for each kind read (the namespaces this kernel has)
  std::vector<KernelEvent> events;
  std::map<pid_t, pid_t> parent_of;  // each process of the tree but the root: its parent process
  std::string error;  // the supervisor could not do its job (a harness error, not the program's)
};

}  // namespace nsleak::observe
