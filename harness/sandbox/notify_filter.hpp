// The seccomp user-notification filter: the sandbox child installs it (still single-threaded,
// after its namespaces and the fault filter) so that every call of notified_syscalls() by the
// child and by everything it starts stops until a supervisor outside the filtered tree answers (SECCOMP_USER_NOTIF_FLAG_CONTINUE:
// the call then runs as if unfiltered). What the supervisor does is the observe layer's
// (harness/observe/supervisor.hpp); the sandbox only installs and hands over the listener.
//
// Stacking with the other filters: seccomp runs every filter of the thread and takes the
// highest-precedence action (KILL > TRAP > ERRNO > USER_NOTIF > ALLOW). So a call the fault
// filter fails (ERRNO) or an allowlist refuses is never notified: it never ran, and the
// kernel's view of it is "did not happen". A filter installed after this one needs nothing from
// it; this one must be installed before a filter that would refuse seccomp(2) or sendmsg(2).
// The kernel allows one listener per filter chain (EBUSY otherwise), so a supervised child
// cannot supervise its own children.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nsleak::sandbox {

// The notified calls, by name, in the order of observe::Call (kernel_log.hpp): everything that
// changes which thread is in which state of the state table (harness/os/state_kind.hpp), or
// which threads exist. The namespaces move by setns/unshare; the cwd by chdir/fchdir (and
// unshare(CLONE_FS) gives a thread its own); the ids by the set*id family (setgroups too:
// Go's AllThreadsSyscall and glibc broadcast it like the others); the affinity by
// sched_setaffinity; the nice value by setpriority. Notifying each one lets the supervisor
// attribute a change to the call that made it.
inline constexpr std::array kNotifiedSyscalls{
    "setns",     "unshare",   "clone",     "clone3",   "fork",     "vfork",    "execve",
    "execveat",  "exit",      "exit_group", "chdir",   "fchdir",   "setuid",   "setgid",
    "setreuid",  "setregid",  "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
    "sched_setaffinity", "setpriority"};

// A subset of kNotifiedSyscalls, bit i for entry i: a supervisor that needs only some of them
// (the run-time audit) has the others run unfiltered, each saving the caller a round trip.
using NotifiedCalls = std::uint32_t;
inline constexpr NotifiedCalls kAllNotified = (NotifiedCalls{1} << kNotifiedSyscalls.size()) - 1;
static_assert(kNotifiedSyscalls.size() < 32, "NotifiedCalls holds one bit per notified call");

// What run_sandboxed hands the supervisor, on a thread of the parent process: the listener
// (owned by the supervisor from then on), the child's pid, and an fd that becomes readable once
// the child has been reaped (its descendants may still be running).
struct Supervision {
  int listener = -1;
  pid_t child = 0;
  int child_gone = -1;
};
using Supervisor = std::function<void(const Supervision&)>;

// The notification filter of `calls`, compiled once per process and set (bpf_export.hpp), on
// first use (thread-safe): call it before the fork, and install the child's copy there.
struct NotifyFilter {
  std::vector<sock_filter> code;
  std::string error;  // why it could not be compiled, empty on success
};
const NotifyFilter& process_notify_filter(NotifiedCalls calls = kAllNotified);

// In the child: installs the notification filter `f` and sends its listener over the unix
// socket `sock` (SCM_RIGHTS), then closes both. Returns an error message, empty on success.
std::string install_notify_filter(const NotifyFilter& f, int sock);

// In the parent: receives the listener from `sock`, waiting at most `timeout_ms`; -1 when the
// child sent none (it failed before, and says why in its trace). Also stops when `child` exits:
// a sibling sandbox forked meanwhile may hold a copy of the child's end, so EOF can come late.
int receive_listener(int sock, pid_t child, int timeout_ms);

}  // namespace nsleak::sandbox
