// The `reachable` / `unreachable` claims of an expectation (scenario-format.md), checked by
// exploring the scenario's schedules (harness/explore) for `nsleak test`.
#pragma once

#include <string>
#include <vector>

#include "harness/explore/explorer.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/scenario/scenario.hpp"

namespace nsleak::cli {

struct ClaimCheck {
  bool ok = true;
  std::string coverage;               // "complete: every schedule within bound 2 — N run, M pruned"
  std::vector<std::string> failures;  // one line each, with the counterexample's token
  explore::ExploreResult result;
};

// The strategy spec an expectation's `explore` asks for ("exhaustive:2", "pct:2:1", ...).
std::string claim_strategy(const scenario::ExploreClaim& c);

// Explores `sc` under `run` (one schedule at a time: `nsleak test` already runs jobs in
// parallel) and checks `e`'s claims. `replay` is the command a token is appended to.
ClaimCheck check_claims(const scenario::Scenario& sc, const scenario::Expectation& e, const runner::RunOptions& run,
                        const std::string& replay);

}  // namespace nsleak::cli
