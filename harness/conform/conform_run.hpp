// nsleak conform's work for one scenario: export it to Go, build it with a given toolchain
// (offline: the standard library only), run it N times under observe in the sandbox, explore the
// model under the matching policy, and compare the two (compare.hpp).
#pragma once

#include <string>
#include <vector>

#include "harness/conform/compare.hpp"
#include "harness/scenario/scenario.hpp"

namespace nsleak::conform {

// `go version`'s "go1.19.8" for the toolchain at `go`; "" when it does not run.
std::string go_version(const std::string& go);
// The policy preset matching a Go version ("go1.12" for Go >= 1.12, the newest preset not
// newer than it before); "" when the version cannot be read.
std::string policy_for(const std::string& version);

struct ConformOptions {
  std::string go;           // the toolchain's go binary
  std::string workdir;      // where each scenario's main.go, go.mod and binary go
  int runs = 20;            // real Go runs per scenario
  std::string policy;       // the model's: preset or policy file
  long budget = 300;        // model schedules explored per scenario (portfolio)
  int jobs = 1;
  double timeout_s = 10.0;  // per run, either side
  bool force_userns = false;
  // Recorded real runs of a hand-written program for the scenario (scenarios/peer-tests and
  // fixtures/go), one file per run: its stdout's JSON lines and, optionally, a last line
  // {"exit_status": N}. Given, conform neither exports nor runs anything on the Go side, and since
  // a recorded run has no kernel facts, both sides' classes leave out the outside verdicts.
  std::vector<std::string> recorded;
};

struct ScenarioResult {
  std::string scenario, file;
  std::string skipped;      // export refused it (the located reason), or the sandbox cannot run
  std::string build_error;  // go build failed: its output (a harness problem: exit 2 is not right)
  int go_runs = 0;
  long schedules = 0;       // model schedules run
  Comparison cmp;
};

ScenarioResult conform_scenario(const scenario::Scenario& sc, const ConformOptions& opt);

}  // namespace nsleak::conform
