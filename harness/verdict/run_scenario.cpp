#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/interp/interpreter.hpp"
#include "harness/verdict/run_report.hpp"

namespace nsleak::verdict {

RunReport run_scenario(const scenario::Scenario& sc, const RunOptions& opt) {
  const rt::Policy policy = rt::load_policy(opt.policy);
  auto strategy = rt::make_strategy(opt.strategy);
  sandbox::SandboxOptions sb = opt.sandbox;
  sb.observe_mask = scenario::observed_kinds(sc);

  RunReport r;
  r.scenario = sc.name;
  r.file = sc.file;
  r.description = sc.description;
  r.policy = policy.name;
  r.strategy = strategy->name();
  r.record = sandbox::run_sandboxed(
      sb, [&](rt::Tracer& t) { scenario::run_scenario(sc, policy, strategy.get(), t); });
  r.analysis = analyze(r.record);
  const std::string judged_as = opt.expect_as.empty() ? policy.name : opt.expect_as;
  r.judgement = judge(r.record, r.analysis, sc, judged_as);
  if (judged_as != policy.name) r.policy = judged_as + "=" + policy.name;
  return r;
}

}  // namespace nsleak::verdict
