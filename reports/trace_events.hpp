// The runs as Chrome Trace Event Format JSON (`--trace-events F`), so that existing viewers —
// Perfetto UI, chrome://tracing — show them: a process per run, a track per thread (M), a
// slice per op named by the Go call it stands for, with the namespace it ran in as its
// category, and flow arrows from each `go` to the child's first op and from each clone's
// source thread to the new one. Derived from the typed trace, like every report.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// {"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}; ts and dur in µs since
// each run's sandbox started.
nlohmann::json trace_events(const std::vector<runner::RunReport>& runs);

}  // namespace nsleak::reports
