// The runs as Chrome Trace Event Format JSON (`--trace-events F`), so that existing viewers —
// Perfetto UI, chrome://tracing — show them: a process per run, a track per thread (M), a
// slice per op named by the Go call it stands for, with the namespace it ran in as its
// category, and flow arrows from each `go` to the child's first op and from each clone's
// source thread to the new one. Derived from the typed trace, like every report.
#pragma once

#include <iosfwd>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// {"displayTimeUnit": "ms", "otherData": {...}, "traceEvents": [...]} on one line, then a
// newline; ts and dur in µs since each run's sandbox started. Streamed one trace event at a
// time: a 100,000-op run has about 700,000 events, and their tree would be gigabytes.
void write_trace_events(std::ostream& out, const std::vector<runner::RunReport>& runs);

}  // namespace nsleak::reports
