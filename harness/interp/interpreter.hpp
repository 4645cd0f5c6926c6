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

// Runs `sc` as the process's Go program. Never returns (the runtime exits the process).
[[noreturn]] void run_scenario(const scenario::Scenario& sc, const rt::Policy& policy,
                               rt::Strategy* strategy, rt::Tracer& tracer);

}  // namespace nsleak::interp
