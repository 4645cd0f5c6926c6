// The namespace pool: network namespaces made in advance, so that exploration's schedules do
// not each pay for unshare(CLONE_NEWNET) (about 0.5 ms) and the kernel's asynchronous netns
// teardown, which serialises across parallel runs (docs/scheduler.md §Namespace pool).
//
// A sandbox zygote fills the pool once, before it forks any run; each run is a fork of the
// zygote, so each run starts with the whole pool. In a run, unshare_state(Net) takes the next
// pooled namespace and enters it with setns instead: the calling thread ends up alone in a
// network namespace no other thread of the run has entered, which is the per-thread kernel
// state unshare(CLONE_NEWNET) leaves (a new namespace's identity is all a scenario observes:
// no op configures interfaces). A pooled namespace is reused by later runs of the same
// zygote, never twice within a run; an exhausted pool falls back to the real unshare.
//
// What this mode finds is confirmed with the real thing: exploration re-runs every outcome
// class with real unshare (a fresh sandbox, no pool) before it reports it (explorer.cpp).
#pragma once

#include <span>
#include <string>

#include "harness/os/state_kind.hpp"

namespace nsleak::os {

// Fills the pool with `n` fresh network namespaces (capped at kMaxPooled), made by the
// calling thread, which ends in the namespace it started in. Empty, or why it failed (the
// pool is then empty and every unshare is real).
inline constexpr int kMaxPooled = 64;
std::string fill_ns_pool(int n);
// The next pooled namespace's fd for a `kind` unshare, or -1 (not pooled, or exhausted).
// Async-signal-safe and allocation-free: it is on the unshare op's path.
int take_pooled_ns(StateKind kind);
// The pool's fds, for a sandbox child's fd cleanup to keep (empty when there is no pool).
std::span<const int> pooled_ns_fds();

}  // namespace nsleak::os
