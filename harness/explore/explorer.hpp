// Exploration: many schedules of one scenario under one policy, grouped into outcome classes,
// each with a replay token, a shrunk schedule and its flip point.
//
// Strategies (docs/scheduler.md §Exploration): exhaustive[:BOUND] (depth-first over the choice
// tree, at most BOUND non-default decisions, pruned where a decision is provably undone —
// prune.hpp), random:SEED, pct:DEPTH:SEED, portfolio (exhaustive within part of the budget,
// then PCT, then random) and go-order (one schedule). The search's schedules run in parallel,
// a fork server (runner::RunServer) per worker, with the namespace pool unless ns_pool is off;
// each class is then confirmed by one runner::run_scenario run (real unshare, kernel audit).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/explore/flip.hpp"
#include "harness/explore/outcome.hpp"
#include "harness/explore/schedule.hpp"
#include "harness/runner/run_report.hpp"

namespace nsleak::explore {

// A parsed --strategy.
struct StrategySpec {
  enum class Kind { GoOrder, Random, Pct, Exhaustive, Portfolio } kind = Kind::Portfolio;
  std::uint64_t seed = 1;
  int depth = 2;  // pct
  int bound = 2;  // exhaustive
  std::string text() const;
};
// Throws rt::BadInput naming the known forms.
StrategySpec parse_strategy(const std::string& spec);

struct Progress {
  long done = 0, pruned = 0, classes = 0, pending = 0;
  double elapsed_s = 0;
  std::string phase;  // the strategy running now
};

struct ExploreOptions {
  runner::RunOptions run;       // policy, sandbox; its strategy is ignored
  StrategySpec strategy;
  long budget = 1000;           // schedules at most
  double time_s = 0;            // wall-clock limit (0: none)
  int jobs = 1;                 // parallel schedules
  std::size_t shard = 1, shards = 1;  // this shard's part of the schedule space (1-based)
  bool prune = true;
  // With prune: the state cache (state_cache.hpp) as well as the local rules (prune.hpp).
  bool state_cache = true;
  bool shrink = true;
  // The search's schedules enter network namespaces made in advance instead of unsharing
  // (os/ns_pool.hpp); every reported class is confirmed with real unshare either way.
  bool ns_pool = true;
  std::function<void(const Progress&)> progress;  // after each schedule (from a worker: keep it short)
  // Every run's report, shrinking's and re-runs' included (from a worker: the callee locks).
  // A caller that classifies runs its own way (conform) sees every schedule the model reached.
  std::function<void(const runner::RunReport&)> on_run;
  struct ClassFound;  // below
  // A class the first time a schedule shows it (under the explorer's lock: keep it short),
  // before it is confirmed and shrunk: what `--format jsonl` streams.
  std::function<void(const ClassFound&)> on_class;
  // A class it says yes to (asked once per class, the first time a schedule shows it) ends the
  // search after that schedule: `nsleak test`'s claims stop at their first counterexample, since
  // the rest of the space cannot make a refuted "unreachable" hold again.
  std::function<bool(const Outcome&)> stop_at;
};

struct ExploreOptions::ClassFound {
  Outcome outcome;
  std::string found_by;  // the strategy whose schedule showed it ("exhaustive:2", "pct:2:7")
  std::string token;     // that schedule's non-default decisions
  long decisions = 0;
  long schedule = 0;     // how many schedules had run when it was found (this one included)
};

struct ClassResult {
  Outcome outcome;
  long count = 0;                 // schedules that showed it
  std::string found_by;           // the strategy that found its representative ("exhaustive", "pct:2:7")
  std::string token;              // the representative's non-default decisions
  long decisions = 0;             // ... how many
  std::string shrunk;             // the fewest decisions found that still give this class
  long shrunk_decisions = 0;
  std::optional<FlipPoint> flip;  // none for the go-order class
  bool ns_pool = false;           // found by runs that took pooled namespaces
  bool reproduced = true;         // re-run once for real (fresh sandbox, real unshare, audit): same
                                  // class (false: nondeterminism outside the model)
  std::string reproduced_as;      // what the re-run showed instead
};

struct ExploreResult {
  std::string scenario, file, policy, strategy;
  long schedules = 0;             // run
  long pruned = 0;                // not run: provably equivalent to a schedule that was
  long merged = 0;                // ... of which the state cache's (a seen state's subtree)
  long nondeterministic = 0;      // runs whose choices did not follow the asked prefix
  bool exhaustive = false;
  int bound = 0;
  bool complete = false;          // every schedule within the bound was run or pruned
  bool stopped_at_class = false;  // stop_at said yes to a class: the search ended there
  long pending = 0;               // exhaustive, incomplete: known schedules not run
  std::string guarantee;          // pct/random: the statement the run supports
  std::string skipped;            // the environment cannot run the scenario: why
  std::size_t shard = 1, shards = 1;
  double wall_ms = 0;
  std::vector<ClassResult> classes;  // in the order found (deterministic: by representative)
};

ExploreResult explore(const scenario::Scenario& sc, const ExploreOptions& opt);

// One run of `token` (parse_token: bad text throws rt::BadInput). A decision that did not
// apply throws rt::BadInput with divergence()'s sentence.
runner::RunReport replay(const scenario::Scenario& sc, const std::string& token, const runner::RunOptions& opt);

}  // namespace nsleak::explore
