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

// The notified calls (harness/sandbox/notify_filter.cpp installs the same list).
enum class Call : std::uint8_t { Setns, Unshare, Clone, Clone3, Fork, Vfork, Execve, Execveat, Exit, ExitGroup };
const char* call_name(Call c);  // "setns", as strace prints it
inline bool creates_task(Call c) { return c == Call::Clone || c == Call::Clone3 || c == Call::Fork || c == Call::Vfork; }
inline bool is_exec(Call c) { return c == Call::Execve || c == Call::Execveat; }
inline bool changes_state(Call c) { return c == Call::Setns || c == Call::Unshare; }

struct TaskRow {
  pid_t pid = 0;  // the thread group (process)
  pid_t tid = 0;
  os::StateSet state{};  // the kinds of KernelLog::kinds_mask
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
  std::string target;  // setns: what the fd is ("net:[4026532178]"); exec: the path
  std::vector<TaskRow> tasks;  // the whole tree, just before the call ran, by (pid, tid)
};

struct KernelLog {
  pid_t root = 0;           // the sandbox child: its leader is the program's main thread
  unsigned kinds_mask = 0;  // bit os::index(kind) for each kind read (the namespaces this kernel has)
  std::vector<KernelEvent> events;
  std::map<pid_t, pid_t> parent_of;  // each process of the tree but the root: its parent process
  std::string error;  // the supervisor could not do its job (a harness error, not the program's)
};

}  // namespace nsleak::observe
