// RunReport: everything known about one run of one scenario under one policy — the input of
// every report writer (text story, JSON, JUnit).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/observe/analyze_tree.hpp"
#include "harness/observe/kernel_log.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/verdict/verdict.hpp"

namespace nsleak::runner {

struct RunReport {
  std::string scenario;     // name
  std::string file;         // path, or "<embedded:article>"
  std::string description;
  std::string policy;
  std::string strategy;
  scenario::Scenario program;  // what ran: the reports resolve the trace's ids against it
  sandbox::RunRecord record;
  verdict::Analysis analysis;
  verdict::Judgement judgement;
  // What the seccomp supervisor saw of the child (calls only, no snapshots) and how that
  // differs from the trace (kernel_audit.hpp): any difference makes the outcome an error.
  observe::KernelLog kernel;
  std::vector<std::string> audit;
  // Set only for a real program under `nsleak observe` (reports/observe_timeline.hpp): no
  // scenario ran; the trace is drawn from `kernel` (a box per notified call, by its caller) and
  // verdict i is this analysis's finding i, worded from kernel facts.
  std::optional<observe::TreeAnalysis> observed;
  // The command line that reproduces this run: filled in by the caller that knows its command
  // line (the CLI's reproduce.cpp); run_scenario leaves it empty.
  std::string reproduce;
};

}  // namespace nsleak::runner

namespace nsleak::runner {

struct RunOptions {
  std::string policy = "go1.12";       // preset name or JSON policy file
  // Makes the run's strategy (a fresh one per run: strategies are stateful); go-order when
  // empty. The caller parses the user's spec (rt::make_strategy) and reports its errors.
  std::function<std::unique_ptr<rt::Strategy>()> strategy;
  // Judge against the expectations declared for this policy name instead of the policy's own
  // name: runs e.g. go1.12's expectations under a prototype fix or a deliberately broken policy.
  std::string expect_as;
  sandbox::SandboxOptions sandbox;
  bool audit = true;  // run the child under the seccomp supervisor and cross-check (kernel_audit.hpp)
};

// Runs `sc` once in a sandbox and judges it. Throws rt::BadInput (rt::PolicyError included)
// for a bad policy (bad input: exit 2), never for what happens in the run.
RunReport run_scenario(const scenario::Scenario& sc, const RunOptions& opt);

}  // namespace nsleak::runner
