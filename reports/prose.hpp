// Prose: the sentences of a verdict — its summary and one per provenance step — written from
// the analysis's typed facts. The one place verdicts become English (the text story, the JSON
// report's `summary`/`provenance` and the timeline all take their words from here).
#pragma once

#include <string>

#include "harness/explore/explorer.hpp"
#include "harness/observe/analyze_tree.hpp"
#include "harness/runner/run_report.hpp"
#include "reports/ns_names.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports {

// "1 goroutine", "2 goroutines": a count with its noun, singular for one (nouns in -s plurals).
std::string counted(std::size_t n, const std::string& noun);

class Prose {
 public:
  // `annotate`: follow each state id with its name, "net:[4026532247] (newNs)".
  Prose(const runner::RunReport& r, const NsNames& ns, const TraceNames& names, bool annotate)
      : r_(r), ns_(ns), names_(names), annotate_(annotate) {}
  std::string summary(const verdict::Verdict& v) const;
  std::string step(const verdict::ProvStep& s) const;
  // The goroutines of an aggregated verdict, runs of ids compressed: "g3-g21, g25".
  static std::string goroutines(const verdict::Verdict& v);

 private:
  std::string id(trace::KindIndex k, const trace::StateValue& v) const { return ns_.id(k, v, annotate_); }
  std::string state(const verdict::StateSet& s) const;  // "net X", ", uts Y" where not origin
  std::string where(const verdict::ProvStep& s) const;  // "main#3 (line 31)"
  std::string event_kind(std::int64_t seq) const;

  const runner::RunReport& r_;
  const NsNames& ns_;
  const TraceNames& names_;
  bool annotate_;
};

// "m0 (tid 4242)"
std::string mdesc(std::int64_t m, std::int32_t tid);

// An exploration class's flip point as a sentence: "if startm#1 had taken local:child#2
// instead of steal:child#1 at pick-g@main#4, no probe goroutine observes newNs" — what Go's
// preferred option at the shrunk schedule's last decision gives instead of `with`.
std::string flip_sentence(const explore::FlipPoint& f, const explore::Outcome& with);

// `nsleak observe`'s sentences: kernel facts about threads of a process tree, no goroutines.
class ObserveProse {
 public:
  ObserveProse(const observe::KernelLog& log, const observe::TreeAnalysis& a) : log_(log), a_(a) {}
  // Each kind in which `s` differs from process `pid`'s process-wide state as of snapshot
  // `seq` ("net:[4026532300], nice:5"); "the process's state" when nothing differs ("origin"
  // for the root while nothing moved the whole program).
  std::string state(const os::StateSet& s, pid_t pid, std::int64_t seq) const;
  // Each move of a process-wide value: "#9 every thread of pid 4242 moved to nice:5 together".
  std::string move(const observe::ProcessMove& m) const;
  std::string summary(const observe::Finding& f) const;
  // One timeline step of `t`: "#7 setns(CLONE_NEWNET) moved it to net:[4026532300]".
  std::string change(const observe::ThreadLife& t, const observe::StateChange& c) const;
  // How a thread began and ended: "cloned by thread 4242 in origin; exited (exit_group) in origin".
  std::string life(const observe::ThreadLife& t) const;
  static std::string thread(pid_t pid, pid_t tid);  // "thread 4243 (pid 4242)", "main thread 4242"

 private:
  const observe::KernelLog& log_;
  const observe::TreeAnalysis& a_;
};

}  // namespace nsleak::reports
