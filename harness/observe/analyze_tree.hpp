// What can be derived from kernel facts alone, without goroutines: each thread's state
// timeline, who cloned whom, and the verdicts an outside observer can give (inherited-clone,
// poisoned-main, exec-inherited, thread-exited, dirty-at-exit). The model's analyzer
// (harness/verdict/analyze.cpp) gives the same kinds from a typed trace; this one reads a
// KernelLog.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
};

struct Finding {
  verdict::VerdictKind kind{};
  pid_t pid = 0, tid = 0;
  pid_t from_tid = 0;  // inherited-clone: the creator; exec-inherited: the thread it came from
  std::int64_t seq = 0;
  os::StateSet state{};  // the offending state
};

struct TreeAnalysis {
  os::StateSet origin{};  // the root leader's state at the first event
  std::vector<ThreadLife> threads;  // in order of first sighting
  std::vector<Finding> findings;
  std::int64_t exit_seq = -1;  // the root's exit_group (else its last sighting): "at exit"
};

TreeAnalysis analyze_tree(const KernelLog& log);
// Bit index(kind) for each kind of `s` that differs from `origin` (only kinds in `mask`).
unsigned dirty_kinds(const os::StateSet& s, const os::StateSet& origin, unsigned mask);

}  // namespace nsleak::observe
