// Outcome classes: what a schedule showed, coarse enough that schedules differing only in
// timing fall together, fine enough to tell a leak from a clean run.
//
// A class is the set of verdict kinds, plus, per goroutine function, the set of named
// namespaces its goroutines observed (grouped by function, not by spawn occurrence: 200
// identical probes give "some probe saw newNs" and "no probe did", not 2^200 classes), plus
// how the run ended when it did not end normally (a fatal error such as a deadlock, a crash).
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::explore {

struct Outcome {
  std::vector<std::string> verdicts;                   // kinds, sorted
  std::map<std::string, std::set<std::string>> seen;   // function -> namespace names observed
  std::string end;                                     // "" (main returned), or how it ended
  bool internal_error = false;                         // nsleak's own bug: never a class to trust

  bool leak() const;          // a leak verdict (verdict_is_leak)
  bool failing() const;       // a leak, or an abnormal end
  bool has(const std::string& verdict) const;
  std::string key() const;    // equal keys, equal classes
  std::string text() const;   // "poisoned-thread, stale-belief; probe saw origin, newNs"
  bool operator==(const Outcome& o) const { return key() == o.key(); }
};

// Names that do not depend on the schedule: "origin" for the start state of every kind, and
// each successful unshare's `as` for the value it made (the first wins). Conform names real
// Go's values by the same rule.
std::map<trace::StateValue, std::string> state_names(const runner::RunReport& r);
Outcome outcome_of(const runner::RunReport& r);
// What of the outcome the run had shown before each event seq in `at` (ascending): the verdict
// kinds raised and the observations made strictly before it, as a key. With the state there,
// it is all the run's outcome depends on from that point on (the state cache, prune.hpp).
std::vector<std::string> partial_outcomes(const runner::RunReport& r, std::span<const std::int64_t> at);

}  // namespace nsleak::explore
