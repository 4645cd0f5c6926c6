// State operations: read a kind's value for the calling thread or any task of this process,
// and change it on the calling thread (unshare, setns, the numeric kinds' own syscalls). Each
// follows its row of the state table (state_kind.hpp); every failure is a SysResult.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// Where this process reads a thread's entries: /proc/<tid>/<entry>, the thread's own directory
// (there for every thread, listed only for a leader), never /proc/<pid>/task/<tid>/<entry> or
// /proc/thread-self/<entry> (its link there). All three are the same task's, read by the same
// kernel code. They differ in where the dentries the reads leave behind sit: under
// /proc/<pid>/task/<tid> they are in the process's tree, and reaping the process
// (release_task -> proc_flush_pid -> shrink_dcache_parent of /proc/<pid>) spins on those the
// exiting threads' own flushes are still killing — 10-40 ms per reap on a loaded 2-core
// machine, the largest cost of a zygote schedule, against about 10 us when every thread's
// entries are under its own /proc/<tid> and go with it. The sandbox makes no pid namespace,
// so gettid() is the tid /proc names.
// The calling thread's "/proc/<tid>/<entry>" in `buf`; false if it does not fit.
bool own_entry_path(char* buf, std::size_t size, const char* entry);
// Opens the calling thread's <entry> (netns.Get()). For a numeric kind there is nothing to keep
// open: `out` gets the value and no fd.
SysResult open_current(StateKind kind, NsHandle& out);
// The calling thread's value, read without keeping an fd; invalid if it cannot be read.
StateValue current_value(StateKind kind);
// The calling thread's value of every kind of `mask` (bit index(kind)) into `out`, as
// current_value reads each, but its status (uid, gid and affinity) read once.
void current_values(unsigned mask, StateSet& out);
// The value of the task `tid` whose directory is under the open directory `dir` (/proc: see
// own_entry_path; another process's /proc/<pid>/task for the observe supervisor); invalid if
// the task is gone.
StateValue task_value(int dir, const char* tid, StateKind kind);
// Every kind of `mask` (bit index(kind)) of that task, into `out`; false when the task is gone
// (a kind could not be read). Reads each /proc entry once however many kinds it holds.
bool task_values(int dir, const char* tid, unsigned mask, StateSet& out);
// A namespace's or directory's identity from its stat: (st_dev, st_ino).
StateValue identity(const struct stat& st);
// unshare(<kind's flag>) on the calling thread; `fail_errno` != 0 makes the kernel fail it.
SysResult unshare_state(StateKind kind, int fail_errno = 0);
// setns(h.fd, <kind's flag>) on the calling thread; `fail_errno` as above.
SysResult set_ns(const NsHandle& h, int fail_errno = 0);
// The calls as messages (and reports of injected failures) write them:
// "unshare(CLONE_NEWNET)", "setns(fd 5, CLONE_NEWNET)".
std::string unshare_call(StateKind kind);
std::string setns_call(int fd, StateKind kind);

// The numeric kinds, on the calling thread only. These are the raw syscalls, never libc's
// wrappers: Linux keeps credentials per task, and POSIX wants them per process, so glibc's
// setuid()/setresuid()/setgid()/setresgid() signal every thread of the process (SIGSETXID) and
// repeat the call there. A per-thread change must not be broadcast, so nsleak calls syscall(2).
//   set_ids_raw: setresuid(-1, id, -1) / setresgid(-1, id, -1): the effective id only, the
//     saved one kept so that the thread can switch back (snapd's per-thread privilege drop,
//     unix.RawSyscall(SYS_SETRESUID, ...)).
//   set_id: setuid(2) / setgid(2) (Go's syscall.Setuid before 1.16: privileged, it sets the
//     real, effective and saved ids at once).
SysResult set_ids_raw(StateKind kind, std::uint32_t id);
SysResult set_id(StateKind kind, std::uint32_t id);
long set_id_trap(StateKind kind);  // SYS_setuid / SYS_setgid, for the runtime's AllThreadsSyscall
std::string set_id_call(StateKind kind, std::uint32_t id, bool raw);  // "setresuid(-1, 1, -1)"
// sched_setaffinity(0, {cpus}) on the calling thread.
SysResult set_affinity(const std::vector<int>& cpus);
// setpriority(PRIO_PROCESS, gettid(), nice): with a tid, Linux sets that thread's nice only.
SysResult set_nice(int nice);

// The numeric kinds' values, packed as state_value.hpp says.
// The filesystem id (the fourth field of the status line) is the effective one unless given.
StateValue ids_value(StateKind kind, std::uint32_t real, std::uint32_t effective, std::uint32_t saved,
                     std::optional<std::uint32_t> fs = std::nullopt);
StateValue cpus_value(const std::vector<int>& cpus);
StateValue nice_value(int nice);
// A value as people read it, the way the kernel prints it: namespaces "net:[4026532178]" (the
// readlink of /proc/<tid>/ns/net), fs "fs:[inode]", "uid:1" (or "uid:0/1/0": real/effective/
// saved when they differ, "uid:0/0/0/1" with the filesystem id when it is not the effective
// one), "affinity:0-1", "nice:5"; "?" when not read.
std::string value_text(StateKind kind, const StateValue& v);

}  // namespace nsleak::os
