// The watchdog over one sandbox child: its end, its deadline (SandboxOptions::timeout_s) and its
// memory (SandboxOptions::memory_limit_mb, its resident set read every kMemoryPollMs). Shared by
// run_sandboxed, which watches its own child, and the zygote's runs (zygote.hpp), whose child is
// the zygote's: both hold a run to the same limits and report a hit the same way (RunRecord).
// layer-private: the sandbox's internals.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

namespace nsleak::sandbox {

enum class Watch { Ended, TimedOut, OverMemory };

// Waits until `ended_fd` is readable — the child's pidfd, or the zygote's word that it ended —
// or, with `ended_fd` < 0, until `pid` (then the caller's own child) has exited; up to
// `deadline`, and while `pid`'s resident set stays within `memory_limit_mb` (0: no limit).
Watch watch_child(int ended_fd, pid_t pid, std::chrono::steady_clock::time_point deadline,
                  std::size_t memory_limit_mb);

}  // namespace nsleak::sandbox
