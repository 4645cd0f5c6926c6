// Pruning for the exhaustive search: a child of the choice tree that provably reaches the
// same state as one the search already runs with fewer non-default decisions is not run.
//
// Exploration is stateless: it cannot compare program states, only reason about what a
// decision does. A rule may prune only when the pruned schedule and a schedule the search
// certainly runs reach the *same runtime and kernel state* — same Gs on the same Ms (thread
// identity is observable: a verdict names the thread a goroutine ran on, and a clone copies
// its creator's namespaces, so swapping two Ms is never "equivalent"), same queues, same
// namespaces — differing only in the Choice events themselves, which no verdict reads.
// Sleep sets and DPOR rely on independence of transitions; in this runtime nearly every step
// touches the shared run queues, the idle lists or a thread's namespace that a later clone
// inherits, so only the two "decision undone at once" rules below are claimed, and anything
// not covered by them is explored. docs/scheduler.md §Pruning gives the argument for each.
#pragma once

#include <cstddef>
#include <span>

#include "harness/explore/schedule.hpp"

namespace nsleak::explore {

enum class PruneRule {
  None,
  // preempt=yield-m, then run-m picks the yielding M itself: Baton::pass returns at once
  // (next == self), exactly as if the preemption point had said `continue`.
  YieldToSelf,
  // preempt=preempt-g of an unlocked G, then its M's pick-g takes that same G back from the
  // global queue's head: gosched_m + findRunnable + execute put every queue and status back
  // as it was, on the same M, as `continue` does.
  PreemptToSelf,
};

// Would taking option `j` at choice `i` of `run` (after run[0..i) as taken) be pruned?
PruneRule prune_rule(std::span<const ChoiceRec> run, std::size_t i, std::size_t j);

}  // namespace nsleak::explore
