#include "harness/os/state_kind.hpp"
#include "harness/interp/interpreter.hpp"
#include "harness/observe/supervisor.hpp"
#include "harness/runner/kernel_audit.hpp"
#include "harness/runner/run_parts.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runner/step_recorder.hpp"
#include "harness/sandbox/id_maps.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/scenario/policy_file.hpp"

namespace nsleak::runner {

namespace parts {

RunReport head(const scenario::Scenario& sc, const rt::Policy& policy, const std::string& strategy_name) {
  RunReport r;
  r.scenario = sc.name;
  r.file = sc.file;
  r.description = sc.description;
  r.program = sc;
  r.policy = policy.name;
  r.strategy = strategy_name;
  const unsigned observed = interp::observed_kinds(sc);
  // A kind this kernel does not have is the environment's limit, like namespaces that cannot
  // be created: the run is skipped with the reason, never run half-observed.
  for (auto k : os::kAllKinds)
    if ((observed & (1u << os::index(k))) != 0 && r.record.env_error.empty())
      r.record.env_error = os::unavailable_reason(k);
  return r;
}

void body(trace::TraceBuffer& out, const scenario::Scenario& sc, const rt::Policy& policy, rt::Strategy* strategy) {
  const unsigned observed = interp::observed_kinds(sc);
  // What only the child knows: how many ids its user namespace maps.
  for (auto k : os::kAllKinds)
    if ((observed & (1u << os::index(k))) != 0)
      if (std::string why = os::unavailable_here(k, sandbox::single_id_reason()); !why.empty()) sandbox::fail_environment(out, why);
  StepRecorder recorder(out, observed);
  interp::run_scenario(sc, policy, strategy, recorder);
}

void judge(RunReport& r, const scenario::Scenario& sc, const rt::Policy& policy, const std::string& expect_as) {
  r.analysis = verdict::analyze(r.record.events, sc, r.record.deadline);
  const std::string judged_as = expect_as.empty() ? policy.name : expect_as;
  r.judgement = verdict::judge(r.record, r.analysis, sc, judged_as);
  if (judged_as != policy.name) r.policy = judged_as + "=" + policy.name;
}

}  // namespace parts

RunReport run_scenario(const scenario::Scenario& sc, const RunOptions& opt) {
  const rt::Policy policy = scenario::load_policy(opt.policy);
  std::unique_ptr<rt::Strategy> strategy =
      opt.strategy ? opt.strategy() : std::make_unique<rt::GoOrderStrategy>();
  RunReport r = parts::head(sc, policy, strategy->name());
  observe::Supervisor supervisor(0, false);
  sandbox::SandboxOptions so = opt.sandbox;
  if (opt.audit) {
    so.supervisor = supervisor.hook();
    so.notified = audited_calls();
  }
  if (r.record.env_error.empty())
    r.record = sandbox::run_sandboxed(so, [&](trace::TraceBuffer& out) {
      parts::body(out, sc, policy, strategy.get());
    });
  parts::judge(r, sc, policy, opt.expect_as);
  if (opt.audit && r.record.env_error.empty()) {
    r.kernel = std::move(supervisor.log());
    r.audit = r.kernel.error.empty() ? audit_kernel_calls(r.kernel, r.record.events, sc)
                                     : std::vector<std::string>{"the supervisor failed: " + r.kernel.error};
    // Only a run that ended by itself is complete on both sides: a crash, a hang or a full
    // trace buffer has its own outcome already, and its trace may lack the last calls.
    const bool complete = r.record.exit_code == 0 && !r.record.timed_out && !r.record.trace_overflow;
    if (!r.audit.empty() && complete && r.judgement.outcome != verdict::Outcome::Error) {
      r.judgement.outcome = verdict::Outcome::Error;
      r.judgement.reason = "the kernel and the trace disagree on the namespace calls or clones: " + r.audit.front();
    }
  }
  return r;
}

}  // namespace nsleak::runner
