// A schedule's floor (issue 9's "zygote fork + the syscalls and thread clones the schedule
// makes"): what the kernel must do for one schedule when nothing of ours runs — no model, no
// observation, no trace, no seccomp load. The calls are the kernel's own account of a real
// run: the seccomp supervisor's log of one run of the schedule (observe::KernelLog,
// every clone, unshare, setns, exit... by every thread), not a count written here. Replayed
// in a child of a zygote, the floor is timed beside the real schedules in the same run.
//
// The replay makes every call on the child's main thread (a thread's clone and its namespace
// calls cost the kernel the same from any thread of the process; handing each call to "its"
// thread would add wake-ups no schedule needs, and a higher floor flatters the ratio). Threads
// the run ended with park on a futex until the child's exit_group ends them; a thread the run
// saw exit exits at once. A setns enters the caller's own namespace of that type (opened from
// /proc/thread-self/ns, as netns.Get does) or the one the child started in, as the log says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/observe/kernel_log.hpp"

namespace nsleak::bench {

struct FloorCall {
  observe::Call call = observe::Call::Clone;
  std::uint64_t flags = 0;  // unshare: its flags; setns: its nstype
  bool exits = false;       // clone: the new thread exits during the run
  bool own = false;         // setns: into the caller's own namespace (else the start one)
};

struct FloorProgram {
  std::vector<FloorCall> calls;  // in the log's order; the final exit_group is the child's _exit
  int clones = 0, unshares = 0, setns = 0;
  std::string error;  // a call the replay cannot make (then there is no floor)
  std::string summary() const;  // "3 clones, 1 unshare, 1 setns"
};

// The program of the run `log` records. Calls that do not change threads or their state
// (exit_group, a thread's exit: counted with its clone) are not replayed as calls.
FloorProgram floor_program(const observe::KernelLog& log);

// In a fresh child: makes p's calls and _exits(0), or _exits(3) when one fails. `pooled`:
// an unshare(CLONE_NEWNET) enters the namespace pool's next namespace instead (os/ns_pool.hpp),
// as the runtime's does when its zygote has a pool.
[[noreturn]] void replay_floor(const FloorProgram& p, bool pooled);

}  // namespace nsleak::bench
