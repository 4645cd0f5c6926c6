// The timeline page of `nsleak observe --html F`: an observation drawn by the run timeline's
// renderer (html_timeline.hpp), from kernel facts alone. There are no goroutines and no
// runtime Ms: each thread of the tree is a lane, each notified call a box on its caller's lane
// (named as strace prints it), each thread's states its stripes, the clones arrows from the
// creating thread, and the observe verdicts pinned where analyze_tree found them.
#pragma once

#include "harness/observe/observe_run.hpp"
#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// The observation as the RunReport the renderer reads: a synthetic trace (a box per notified
// call, a clone per thread first seen, a lane end per thread exit) and one verdict per finding;
// `observed` holds the tree analysis, so the renderer words lanes, boxes and verdicts as
// kernel facts.
runner::RunReport observe_run_report(const observe::Observation& o);

}  // namespace nsleak::reports
