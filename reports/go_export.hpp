// export --go: a scenario as one real Go program (main.go: the standard library and raw
// syscalls only, nothing to download) that does what the scenario does, with GOMAXPROCS = its
// `procs`, printing what each observing op (get, expect, exec, syscall) sees as one JSON line on
// stdout: {"op": "main#3", "g": "child#1", "tid": 4243, "kind": "net", "state": "4:4026532300",
// ...}; plus a line per state kind at the start (event "origin": the origin's value) and per
// unshare (event "unshare": the value it made), so a reader can name values as the model does.
// The bridge from the model to a real toolchain (`nsleak observe` runs the result).
#pragma once

#include <string>

#include "harness/scenario/scenario.hpp"

namespace nsleak::reports {

// The program's text. Throws scenario::ParseError (exit 2, located) for an op Go cannot express
// (a fault-injected call: the real kernel's errors cannot be chosen).
std::string go_program(const scenario::Scenario& sc);

}  // namespace nsleak::reports
