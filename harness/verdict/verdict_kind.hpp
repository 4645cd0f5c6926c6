// The verdict taxonomy (ARCHITECTURE.md §Observation and verdicts).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nsleak::verdict {

enum class VerdictKind {
  PoisonedThread,   // an M became available to other Gs while its state differs from origin
  PoisonedMain,     // M0 / the main goroutine ends up in a state other than origin
  StaleBelief,      // a G observed a namespace different from what it believes
  LostInheritance,  // a G spawned from a locked G in X, expected to run in X, ran outside X
  InheritedClone,   // a new M started life in a non-origin state (cloned from a dirty thread)
  WedgedM0,         // M0 parked forever with its state (informational)
  ThreadExited,     // a dirty thread terminated (informational)
  ExecInherited,    // an exec'd process inherited its calling thread's non-origin state
  DirtyAtExit,      // observe: a thread other than the leader still dirty when the program exited
  UntilMax,         // an until ran its max passes and the thread it waited for was still there
};

const char* verdict_name(VerdictKind k);
std::optional<VerdictKind> verdict_from_name(const std::string& name);
const std::vector<std::string>& verdict_names();
// One sentence for `nsleak list` and report legends.
const char* verdict_meaning(VerdictKind k);
// False for the informational kinds (thread-exited, wedged-m0, exec-inherited): what they
// report is where a dirty thread went, not state leaking into another goroutine. A run with
// no expectation for its policy fails on any leak kind, as `go vet` and `-race` do.
bool verdict_is_leak(VerdictKind k);

}  // namespace nsleak::verdict
