// RunServer: many runs through one zygote (sandbox/zygote.hpp). The sandbox's set-up happens
// once per server, each run is one fork of the zygote (fresh threads: clone inheritance stays
// the kernel's); the report of a run is what run_scenario would give for it.
//
// Not audited (RunOptions::audit is run_scenario's: its supervisor follows one sandbox), so
// `nsleak run` and `replay` do not use it. `nsleak test` runs its single runs through one
// per worker, each run in fresh origin namespaces (Origin::FreshPerRun). Exploration runs its schedules
// this way (explorer.cpp: a server per worker thread, with a StrategyMaker that decodes its own
// requests — a choice prefix, a seed, a replay token) and confirms every outcome class it
// reports with run_scenario: a fresh sandbox, real unshare, the kernel audit.
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
  // `ns_pool` > 0: the zygote makes that many network namespaces in advance and each run's
  // unshare(CLONE_NEWNET) enters the next one instead (os/ns_pool.hpp) — exploration's fast
  // mode, whose findings the caller confirms with real unshare. 0: every unshare is real.
  // `origin`: Origin::FreshPerRun gives every run origin namespaces of its own, unshared by
  // the run's child (sandbox/zygote.hpp), as a fresh sandbox's are.
  RunServer(std::vector<const scenario::Scenario*> scenarios, const sandbox::SandboxOptions& sandbox,
            StrategyMaker make_strategy = make_default_strategy, int ns_pool = 0,
            sandbox::Zygote::Origin origin = sandbox::Zygote::Origin::Shared);

  // Runs scenarios[index] under opt.policy (judged as opt.expect_as), its strategy made from
  // `strategy` by the StrategyMaker. opt.strategy and opt.sandbox are not used: the server's
  // hold. Throws rt::BadInput for a bad policy or strategy request, like run_scenario.
  RunReport run(std::size_t index, const RunOptions& opt, const std::string& strategy = "");

  // Why the server cannot run (the sandbox's environment error), empty when it can.
  const std::string& env_error() const { return zygote_->env_error(); }
  // Whether runs take pooled namespaces: asked for, and the zygote could make them.
  bool ns_pooled() const { return ns_pool_ > 0 && zygote_->prepare_error().empty(); }
  const std::string& ns_pool_error() const { return zygote_->prepare_error(); }

 private:
  std::vector<const scenario::Scenario*> scenarios_;
  StrategyMaker make_strategy_;
  int ns_pool_ = 0;
  std::unique_ptr<sandbox::Zygote> zygote_;
};

}  // namespace nsleak::runner
