// RunView: one run as the timeline page draws it — the trace in its JSON form (events_json)
// and the analysis's facts in words (Prose), computed once per run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports::timeline {

struct RunView {
  explicit RunView(const runner::RunReport& report);

  struct Thread {
    std::string role, state, ns, uts, via;  // ns/uts: "dev:ino" ("" uts when not observed)
  };

  const runner::RunReport& r;
  std::vector<nlohmann::json> events;
  std::string origin, origin_uts;  // "dev:ino"; origin_uts "" when uts is not observed
  std::vector<std::string> summaries;                // per verdict, names annotated
  std::vector<std::vector<std::string>> provenance;  // per verdict, per step
  std::vector<Thread> threads;                       // per analysis thread
};

}  // namespace nsleak::reports::timeline
