// RunView: one run as the timeline page draws it — the typed trace, the names its ids stand
// for (TraceNames, NsNames), the state kinds the run observed (the stripes, legend entries and
// thread-table columns: every row of the os state table the run read), and the analysis's
// facts in words (Prose), computed once per run.
#pragma once

#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"
#include "reports/html_timeline.hpp"
#include "reports/ns_names.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports::timeline {

struct RunView {
  explicit RunView(const runner::RunReport& report);

  const runner::RunReport& r;
  TraceNames names;
  NsNames ns;
  // The kinds the run observed, in state-table order (net, the table's first row, first).
  std::vector<trace::KindIndex> kinds;
  // A large run (more than kLargeRun op steps) is folded so that 2,000 goroutines stay
  // readable and the page small: idle goroutines' steps collapse into one column per stretch,
  // and verdicts of one kind on one thread about one state are listed and marked once.
  static constexpr long kLargeRun = 300;
  bool large = false;
  std::vector<std::size_t> lead;                    // per verdict: the first of its group
  std::vector<std::vector<std::int64_t>> group_gs;  // per verdict that leads: its group's goroutines
  bool shown(std::size_t verdict) const { return lead[verdict] == verdict; }
  std::vector<std::string> summaries;                // per verdict, names annotated
  std::vector<std::vector<std::string>> provenance;  // per verdict, per step
  std::vector<TimelineMark> marks;                   // decisions pinned on this run, in order

  // "m0 (tid 4242)"; an observed program's thread has no M: "tid 4242".
  std::string thread(std::int64_t m, std::int32_t tid) const;

  // "net:[…] origin, uts:[…]": every observed kind's value, as the kernel prints it.
  std::string all(const verdict::StateSet& s) const { return list(s, 0); }

 private:
  std::string list(const verdict::StateSet& s, std::size_t from) const;
};

// A snapshot row's, or an op's (now or belief), values as a StateSet.
verdict::StateSet state_of(const trace::TaskRow& row);
verdict::StateSet state_of(const std::vector<trace::OpState>& states, bool belief);

}  // namespace nsleak::reports::timeline
