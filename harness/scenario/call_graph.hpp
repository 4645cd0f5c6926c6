// Checks on what a run would execute, following `go` and `call` from main. Scenarios have no
// conditionals, so a cycle among the functions reachable from main never ends, and every
// repeat, go and call multiplies the ops of a run (and so the length of its trace).
#pragma once

#include <cstdint>

#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

// Ops one run may execute: repeats multiply their body, go/call add the function's ops.
inline constexpr std::int64_t kMaxExpandedOps = 100'000;

// Throws ParseError at the op that closes a cycle ("recursive call with no end: f -> g -> f"),
// else at the op where the expanded op count passes kMaxExpandedOps (for a repeat, the
// outermost one). Every go/call must name a defined function (References::check first).
void check_call_graph(const Scenario& s);

}  // namespace nsleak::scenario
