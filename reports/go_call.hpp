// The Go each scenario op stands for, as a reader of the Go program would write it: the
// timeline labels its boxes with it and the trace-event export names its slices with it.
#pragma once

#include <string>

#include "harness/scenario/scenario.hpp"

namespace nsleak::reports {

// The call alone, short enough for a box: "netns.Get()", "runtime.LockOSThread()", "go worker()".
std::string go_call(const scenario::Op& op);
// The statement, with the names the scenario gave: "newNs, _ := netns.New()", "ch <- v".
std::string go_statement(const scenario::Op& op);

}  // namespace nsleak::reports
