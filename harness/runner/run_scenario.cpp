#include "harness/os/state_kind.hpp"
#include "harness/interp/interpreter.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runner/step_recorder.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/scenario/policy_file.hpp"

namespace nsleak::runner {

RunReport run_scenario(const scenario::Scenario& sc, const RunOptions& opt) {
  const rt::Policy policy = scenario::load_policy(opt.policy);
  std::unique_ptr<rt::Strategy> strategy =
      opt.strategy ? opt.strategy() : std::make_unique<rt::GoOrderStrategy>();

  RunReport r;
  r.scenario = sc.name;
  r.file = sc.file;
  r.description = sc.description;
  r.program = sc;
  r.policy = policy.name;
  r.strategy = strategy->name();
  const unsigned observed = interp::observed_kinds(sc);
  // A kind this kernel does not have is the environment's limit, like namespaces that cannot
  // be created: the run is skipped with the reason, never run half-observed.
  for (auto k : os::kAllKinds)
    if ((observed & (1u << os::index(k))) != 0 && r.record.env_error.empty())
      r.record.env_error = os::unavailable_reason(k);
  if (r.record.env_error.empty())
    r.record = sandbox::run_sandboxed(opt.sandbox, [&](trace::TraceBuffer& out) {
      StepRecorder recorder(out, observed);
      interp::run_scenario(sc, policy, strategy.get(), recorder);
    });
  r.analysis = verdict::analyze(r.record.events, sc);
  const std::string judged_as = opt.expect_as.empty() ? policy.name : opt.expect_as;
  r.judgement = verdict::judge(r.record, r.analysis, sc, judged_as);
  if (judged_as != policy.name) r.policy = judged_as + "=" + policy.name;
  return r;
}

}  // namespace nsleak::runner
