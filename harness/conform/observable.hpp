// The outcome class conform compares: what real Go and the model can both show of one run. It
// is defined here, once, for both sides: which goroutine (its label, "main" or "child#3", the
// n-th spawn of a function, taken to its function: goroutine_class) saw which state (by name: "origin", the name of the unshare that made
// it, else "another namespace") at which op (by label: "child#0"); the verdicts an outside
// observer derives from the kernel alone (observe: poisoned-main, inherited-clone,
// exec-inherited, thread-exited); and whether the program ended normally.
//
// Finer than explore's Outcome (it keeps op labels: real Go's JSON lines have them), coarser in
// verdicts (a real program has no beliefs to be stale). Like explore, it groups goroutines by
// function: with 20 identical probes, which of them ran on the dirty thread is timing, and
// keeping the occurrence would make 2^20 classes no sample of schedules could cover.
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness/observe/observe_run.hpp"
#include "harness/runner/run_report.hpp"

namespace nsleak::conform {

struct Observable {
  std::set<std::tuple<std::string, std::string, std::string>> seen;  // (goroutine class, op, state name)
  std::vector<std::string> verdicts;  // outside-derivable kinds, sorted, each once
  std::string end;                    // "" when the program ended normally, else how (the key: only that)
  std::string key() const;            // equal keys, equal classes
  std::string text() const;           // "child@child#0 origin|newNs, main@main#3 newNs; poisoned-main"
};

// "child#3" -> "child"; "main" stays.
std::string goroutine_class(const std::string& label);

// The verdict kinds both sides can give: the model from its trace, observe from the kernel.
const std::vector<verdict::VerdictKind>& outside_verdicts();

// One model run. Its end is explore's Outcome::end ("" when main returned); its verdicts only
// those about a kind observe reads (the namespaces).
Observable observable_of(const runner::RunReport& r);

// One line export --go's program printed (reports/go_export.hpp).
struct GoLine {
  std::string op, g, kind, state, as, event;  // event: "" (an observation), "origin", "unshare"
};
// The JSON lines of `text`; a line that is not a JSON object with "op" is ignored (the program's
// panics go to stderr, not here).
std::vector<GoLine> parse_go_lines(const std::string& text);

// One real Go run: its lines and what observe saw. `end` is "" or how it ended.
Observable observable_of(const std::vector<GoLine>& lines, const observe::TreeAnalysis& a, const std::string& end);

}  // namespace nsleak::conform
