// TraceNames: what the trace's ids stand for in one run — ops (labels, lines, names),
// goroutines (their functions), channels and WaitGroups — resolved against the scenario.
#pragma once

#include <map>
#include <string>

#include "harness/runner/run_report.hpp"
#include "harness/scenario/ids.hpp"

namespace nsleak::reports {

class TraceNames {
 public:
  explicit TraceNames(const runner::RunReport& r);
  const scenario::Op* op(std::uint32_t id) const { return ids_.op(id); }
  std::string op_name(std::uint32_t id) const;  // "unshare", "?" if unknown
  std::string label(std::uint32_t id) const;    // "main#3", "?" if unknown
  int line(std::uint32_t id) const;
  std::string fn(std::int64_t g) const;         // the goroutine's function ("main" for g1)
  std::string glabel(std::int64_t g) const { return "g" + std::to_string(g) + ":" + fn(g); }
  std::string object(std::uint32_t tag) const { return ids_.object_name(tag); }
  // A choice option as people read it: "m2", "runnext:g3:child", "yield-m".
  std::string option(const trace::ChoiceOption& o) const;
  // Why a goroutine parked: "chan receive done", "sleep".
  std::string wait(const trace::Park& p) const;
  // "net", "uts": the state kind's name
  static std::string kind(trace::KindIndex k);

 private:
  scenario::Ids ids_;
  std::map<std::int64_t, std::uint32_t> gfn_;  // goid -> function id
};

}  // namespace nsleak::reports
