// Interpreter: runs a Scenario's ops as goroutines on the miniature runtime, inside the
// sandbox child. Each op is the Go construct it names, executed for real (unshare, setns and
// exec are real syscalls on whatever M the G is on), and followed by one traced step that
// carries the kernel's view of every task plus the G's *belief* (the namespace its author
// expects it to be in).
#pragma once

#include "harness/runtime/runtime.hpp"
#include "harness/scenario/scenario.hpp"

namespace nsleak::interp {

// Which namespace kinds the scenario touches (bit os::index(kind)); net is always observed.
unsigned observed_kinds(const scenario::Scenario& sc);
// How many `kind` unshares the program's text makes, at most `cap`: each unshare op once per
// pass of its enclosing repeats, each function's body once (a function called or spawned
// twice is undercounted). A size for the namespace pool (os/ns_pool.hpp), not a bound.
int unshare_estimate(const scenario::Scenario& sc, os::StateKind kind, int cap);

// Runs `sc` as the process's Go program. Never returns (the runtime exits the process).
[[noreturn]] void run_scenario(const scenario::Scenario& sc, const rt::Policy& policy,
                               rt::Strategy* strategy, rt::Tracer& tracer);

}  // namespace nsleak::interp
