#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/interp/interpreter.hpp"
#include "harness/verdict/run_report.hpp"

namespace nsleak::verdict {
namespace {

// POSIX shell quoting, so that `reproduce` can be pasted whatever the path contains.
std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@+,") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

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
  r.reproduce = "nsleak run " + shell_quote(sc.file) + " --policy " + shell_quote(opt.policy) +
                (opt.strategy == "go-order" ? "" : " --strategy " + shell_quote(opt.strategy));
  return r;
}

}  // namespace nsleak::verdict
