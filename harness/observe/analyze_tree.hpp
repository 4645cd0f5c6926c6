// What can be derived from kernel facts alone, without goroutines: each thread's state
// timeline, who cloned whom, and the verdicts an outside observer can give (inherited-clone,
// poisoned-main, exec-inherited, thread-exited, dirty-at-exit). The model's analyzer
// (harness/verdict/analyze.cpp) gives the same kinds from a typed trace; this one reads a
// KernelLog.
//
// What "dirty" means, per kind of the state table, for each process (thread group):
//   - the process-wide value starts as the process's state when first seen (the root's main
//     thread at the first notified call: `origin`; a forked process, its leader's first state);
//   - it moves only when every live thread of the process is seen, in one snapshot, with one
//     same new value: the whole process moved together. That is what a process-wide change
//     looks like from outside: Go's syscall.Setuid since go1.16 (AllThreadsSyscall) and
//     glibc's setuid() run the call on every thread; a chdir with the fs struct shared moves
//     every thread sharing it at once; a single-threaded process (a shell's `cd`, `nice`,
//     `taskset`, `unshare -n` before their exec) is all its threads. None of them is a leak;
//   - a thread whose value differs from its process's process-wide value is dirty for that
//     kind: something moved it alone (setns, unshare, a raw per-thread setresuid, a
//     sched_setaffinity or setpriority of one thread, a chdir after unshare(CLONE_FS)).
// Every verdict is judged per kind and names it (Finding::state_kind). exec-inherited compares
// the exec'ing thread with the process-wide value of the process that forked it (of its own
// process for the root): a program exec'd in another state than the program that started it.
// The snapshot a rule reads is the one of the notified call it is judged at (the state before
// that call ran); a process-wide change that is still on its way (AllThreadsSyscall between its
// first and last thread) leaves the threads not yet moved looking dirty only until the next
// snapshot, and every verdict but the ones at a clone, an exec or an exit is judged at exit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <vector>

#include "harness/observe/kernel_log.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::observe {

// A thread's state from `seq` on; `cause` is the seq of its own setns/unshare that explains the
// change (-1: the first sighting, or nothing notified explains it).
struct StateChange {
  std::int64_t seq = 0;
  os::StateSet state{};
  std::int64_t cause = -1;
};

enum class End : std::uint8_t { Alive, Exit, ExitGroup, Vanished };
const char* end_name(End e);  // "alive", "exit", "exit_group", "vanished"

struct ThreadLife {
  pid_t pid = 0, tid = 0;
  bool leader = false;         // tid == pid
  pid_t created_by = 0;        // the thread whose clone made it (0: the root, or unknown)
  bool creator_certain = true;  // false when several clones were pending and states tied
  std::vector<StateChange> timeline;  // [0] is the first sighting: the state it started in
  End end = End::Alive;
  std::int64_t end_seq = -1;
  // The first snapshot that showed it with an fs struct (cwd) of its own, not its main
  // thread's (TaskRow::fs_shared false: unshare(CLONE_FS), or unshare(CLONE_NEWNS)); -1: never.
  std::int64_t own_fs_since = -1;
};

// One verdict about one kind: a thread that differs from its process-wide value in two kinds
// has two findings.
struct Finding {
  verdict::VerdictKind kind{};
  pid_t pid = 0, tid = 0;
  pid_t from_tid = 0;  // inherited-clone: the creator; exec-inherited: the thread it came from
  std::int64_t seq = 0;
  os::StateKind state_kind = os::StateKind::Net;  // the kind it is about
  os::StateValue process_value{};  // the process-wide value of that kind it differs from
  os::StateSet state{};  // the thread's whole state then (its value of state_kind is the offending one)
};

// The process-wide value of `kind` of process `pid` moved to `value` at snapshot `seq`: every
// live thread of the process was seen with it.
struct ProcessMove {
  std::int64_t seq = 0;
  pid_t pid = 0;
  os::StateKind kind = os::StateKind::Net;
  os::StateValue value;
};

struct TreeAnalysis {
  os::StateSet origin{};  // the root leader's state at the first event
  std::vector<ThreadLife> threads;  // in order of first sighting
  std::vector<Finding> findings;
  std::int64_t exit_seq = -1;  // the root's exit_group (else its last sighting): "at exit"
  std::map<pid_t, os::StateSet> process_start;  // each process's process-wide state when first seen
  std::vector<ProcessMove> moves;                // in order
  // The process-wide state of `pid` as of snapshot `seq` (moves at `seq` included).
  os::StateSet process_state(pid_t pid, std::int64_t seq) const;
};

TreeAnalysis analyze_tree(const KernelLog& log);
// Bit index(kind) for each kind of `s` that differs from `origin` (only kinds in `mask`).
unsigned dirty_kinds(const os::StateSet& s, const os::StateSet& origin, unsigned mask);

}  // namespace nsleak::observe
