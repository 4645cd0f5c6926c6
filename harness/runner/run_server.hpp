// RunServer: many runs through one zygote (sandbox/zygote.hpp). The sandbox's set-up happens
// once per server, each run is one fork of the zygote (fresh threads: clone inheritance stays
// the kernel's); the report of a run is what run_scenario would give for it.
//
// Not audited (RunOptions::audit is run_scenario's: its supervisor follows one sandbox), so
// `nsleak test` and exploration do not use it yet. Exploration would run many schedules of a
// scenario this way: build the server on the scenarios (and a StrategyMaker that decodes its own strategy
// requests: a seed, a choice prefix, a replay token), then call run() once per schedule with
// that schedule's request; a worker thread per server, one server per core.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"
#include "harness/sandbox/zygote.hpp"

namespace nsleak::runner {

class RunServer {
 public:
  // A run's strategy from its strategy request: called in the run's child (and once in the
  // parent, for the report's strategy name). It may throw rt::BadInput in the parent's call.
  using StrategyMaker = std::function<std::unique_ptr<rt::Strategy>(const std::string& request)>;
  // rt::make_strategy's specs ("go-order", "random:SEED"); "" is go-order.
  static std::unique_ptr<rt::Strategy> make_default_strategy(const std::string& request);

  // Forks the zygote now. The scenarios must outlive the server and stay unchanged: the zygote
  // has its copy of them as they are now, and a run names one by index. `sandbox` holds for
  // every run (its timeout_s is each run's watchdog).
  RunServer(std::vector<const scenario::Scenario*> scenarios, const sandbox::SandboxOptions& sandbox,
            StrategyMaker make_strategy = make_default_strategy);

  // Runs scenarios[index] under opt.policy (judged as opt.expect_as), its strategy made from
  // `strategy` by the StrategyMaker. opt.strategy and opt.sandbox are not used: the server's
  // hold. Throws rt::BadInput for a bad policy or strategy request, like run_scenario.
  RunReport run(std::size_t index, const RunOptions& opt, const std::string& strategy = "");

  // Why the server cannot run (the sandbox's environment error), empty when it can.
  const std::string& env_error() const { return zygote_->env_error(); }

 private:
  std::vector<const scenario::Scenario*> scenarios_;
  StrategyMaker make_strategy_;
  std::unique_ptr<sandbox::Zygote> zygote_;
};

}  // namespace nsleak::runner
