// The limits a run holds to (issue 12): what the sandbox child can make of goroutines and
// threads, read from the kernel once at the run's start and checked where a G or an M is made,
// before the kernel refuses a mapping or a clone (which would surface as a crash of the
// program, or a raw abort) — a hit is outcome `limit`, naming the limit and how to raise it,
// with the trace up to it.
//
// - mappings: every live G's stack is two mappings (the stack and its guard page), every M's
//   pthread stack two more; together they must stay within what vm.max_map_count leaves the
//   run (the mappings already there at the start, and kMapHeadroom for malloc and the kernel).
// - threads: the run's Ms within RLIMIT_NPROC and kernel.threads-max.
// - stack memory: the stacks' address space within RLIMIT_AS (ulimit -v), when one is set; the
//   stacks are MAP_NORESERVE, so without it only their resident pages count (the child's
//   memory limit, sandbox.hpp).
// layer-private: the runtime's internals; other layers use runtime.hpp.
#pragma once

#include <cstddef>
#include <string>

namespace nsleak::rt {

inline constexpr std::size_t kMapHeadroom = 1024;  // mappings kept for malloc, the tracer, ld.so
inline constexpr std::size_t kThreadStack = 512 * 1024;  // an M's g0 stack: scheduler, tracer, snapshots

struct RunLimits {
  std::size_t max_map_count = 0;  // vm.max_map_count
  std::size_t maps_at_start = 0;  // the child's mappings when the run started
  std::size_t max_threads = 0;    // min(RLIMIT_NPROC, kernel.threads-max)
  std::string threads_by;         // which of the two
  std::size_t stack_budget = 0;   // bytes of stack address space; 0: no RLIMIT_AS, no budget
};

// Read once, in run_main, before M0 makes anything.
RunLimits read_run_limits();

// Before a G is made (newproc) / an M (allocm): a hit ends the run with a limit event.
void check_new_g();
void check_new_m();

// The run ends at a limit: the message (what, how much, how to raise it) and a state dump go
// into the trace as a limit fault; the child exits with kChildExitLimit.
[[noreturn]] void limit_hit(const std::string& what);

}  // namespace nsleak::rt
