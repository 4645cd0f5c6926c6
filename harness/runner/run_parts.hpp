// The steps of one run that run_scenario and RunServer share: the report's head (and whether
// the kernel has the scenario's state kinds), the sandbox child's body, the verdicts.
// layer-private: the runner's internals; other layers use run_report.hpp and run_server.hpp.
#pragma once

#include "harness/runner/run_report.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/trace/buffer.hpp"

namespace nsleak::runner::parts {

// The report before the run: names, and record.env_error when a kind the scenario uses is not
// on this kernel (the run is then skipped: never run half-observed).
RunReport head(const scenario::Scenario& sc, const rt::Policy& policy, const std::string& strategy_name);
// In the sandbox child: records `sc` run under `policy` and `strategy` into `out`.
void body(trace::TraceBuffer& out, const scenario::Scenario& sc, const rt::Policy& policy, rt::Strategy* strategy);
// After the run: the analysis and the judgement (against `expect_as`'s expectations if set).
void judge(RunReport& r, const scenario::Scenario& sc, const rt::Policy& policy, const std::string& expect_as);

}  // namespace nsleak::runner::parts
