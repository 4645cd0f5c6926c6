// RunReport: everything known about one run of one scenario under one policy — the input of
// every report writer (text story, JSON, JUnit).
#pragma once

#include <string>
#include <vector>

#include "harness/sandbox/sandbox.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/verdict/verdict.hpp"

namespace nsleak::verdict {

struct RunReport {
  std::string scenario;     // name
  std::string file;         // path, or "<embedded:article>"
  std::string description;
  std::string policy;
  std::string strategy;
  sandbox::RunRecord record;
  Analysis analysis;
  Judgement judgement;
  // The command line that reproduces this run: filled in by the caller that knows its command
  // line (the CLI's reproduce.cpp); run_scenario leaves it empty.
  std::string reproduce;
};

}  // namespace nsleak::verdict

namespace nsleak::verdict {

struct RunOptions {
  std::string policy = "go1.12";       // preset name or JSON policy file
  std::string strategy = "go-order";
  // Judge against the expectations declared for this policy name instead of the policy's own
  // name: runs e.g. go1.12's expectations under a prototype fix or a deliberately broken policy.
  std::string expect_as;
  sandbox::SandboxOptions sandbox;
};

// Runs `sc` once in a sandbox and judges it. Throws rt::PolicyError / std::invalid_argument
// for a bad policy or strategy (bad input: exit 2), never for what happens in the run.
RunReport run_scenario(const scenario::Scenario& sc, const RunOptions& opt);

}  // namespace nsleak::verdict
