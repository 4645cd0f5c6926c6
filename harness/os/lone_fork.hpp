// fork() for a process with one thread: the sandbox zygote, which forks every run's child.
// glibc's fork() runs its atfork work on both sides of each fork: it locks and unlocks every
// malloc arena (the zygote inherits its parent's arenas, each on its own page), the stdio list,
// the unwinder's and nss's state. Right after a fork every such write is a copy-on-write fault,
// in the zygote (whose pages the fork made read-only) and again in the child: some 20 of an
// exploration schedule's ~116 faults (perf -e page-faults, explore cni-do-restore-ok). With one
// thread no lock can be held across the fork, so none of that is needed: _Fork (glibc 2.34,
// async-signal-safe) is the clone alone, and the child then runs this library's own after-fork
// step (own_thread.hpp's tid generation) that its pthread_atfork handler would have run.
//
// Sanitizer builds keep fork(): their runtimes (and os/sanitizer_fork.hpp's handlers) depend on
// the atfork hooks, and TSan's zygote has a background thread of its own.
#pragma once

#include <sys/types.h>

namespace nsleak::os {

// As fork(): the child's pid in the parent, 0 in the child, -1 and errno on failure. The
// process's thread count is read on the first call (/proc/self/task): with more than one
// thread then, this call and every later one is glibc's fork(). Call it only where no thread
// is made after that first call (the zygote makes none: its runs are its children).
pid_t lone_fork();

}  // namespace nsleak::os
