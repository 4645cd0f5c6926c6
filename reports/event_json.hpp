// The trace as JSON, for `--events` (one object per line), the run report's `steps` and the
// timeline page: derived from the typed events, in the event stream's public shape (keys as
// reports/schema/run.schema.json's `step` and `task` describe them).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// Every event of the run, in order.
std::vector<nlohmann::json> events_json(const runner::RunReport& r);
// The kernel rows attached to `ev` ({"tid", "m", kind: id}): a full snapshot's, or an op's own
// thread's (rt::Observe::Own).
nlohmann::json tasks_json_rows(const trace::Event& ev);

}  // namespace nsleak::reports
