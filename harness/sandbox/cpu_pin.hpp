// Pinning a sandbox child to one CPU.
//
// Controlled mode runs one M at a time, so all of them share one CPU: a baton handoff becomes
// a same-CPU switch instead of a cross-CPU wake-up (measured: the article run 3.2 -> 2.8 ms,
// the library 0.64 -> 0.53 s). The affinity is inherited by every M; it is part of the origin
// state, like the namespaces. The CPU is the highest one allowed, not the current one: a fixed
// origin, which a scenario's setaffinity to CPU 0 differs from whenever two CPUs may be used
// (os::unavailable_reason).
//
// `rank` > 0 counts down from the highest allowed CPU (modulo how many are allowed): parallel
// fork servers whose programs neither read nor set the affinity pin their runs to different
// CPUs (runner/run_server.cpp), where all on the highest one would leave the others idle.
#pragma once

namespace nsleak::sandbox {

// Best effort: a restricted cpuset may refuse.
void pin_to_one_cpu(unsigned rank = 0);

}  // namespace nsleak::sandbox
