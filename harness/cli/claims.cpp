#include "harness/cli/claims.hpp"

#include <algorithm>

#include "reports/explore_report.hpp"
#include "reports/prose.hpp"

namespace nsleak::cli {
namespace {

bool shows(const explore::Outcome& o, const std::string& claim) {
  return claim == scenario::kCleanClaim ? !o.leak() && o.end.empty() : o.has(claim);
}

std::string counterexample(const explore::ClassResult& c, const std::string& replay) {
  std::string s = "class \"" + c.outcome.text() + "\" (" + reports::counted(static_cast<std::size_t>(c.count), "schedule") + ")";
  if (c.token.empty()) return s + " on go-order";
  s += "; token '" + c.token + "'";
  if (c.shrunk != c.token) s += "; shrunk '" + c.shrunk + "'";
  if (c.flip) s += "; " + reports::flip_sentence(*c.flip, c.outcome);
  return s + "; replay: " + replay + " '" + c.shrunk + "'";
}

}  // namespace

std::string claim_strategy(const scenario::ExploreClaim& c) {
  if (c.strategy == "exhaustive") return "exhaustive:" + std::to_string(c.bound);
  if (c.strategy == "pct") return "pct:" + std::to_string(c.depth) + ":" + std::to_string(c.seed);
  if (c.strategy == "random") return "random:" + std::to_string(c.seed);
  return "portfolio";
}

ClaimCheck check_claims(const scenario::Scenario& sc, const scenario::Expectation& e, const runner::RunOptions& run,
                        const std::string& replay) {
  explore::ExploreOptions opt;
  opt.run = run;
  opt.strategy = explore::parse_strategy(claim_strategy(e.explore));
  if (e.explore.strategy == "portfolio") opt.strategy.bound = e.explore.bound;
  opt.budget = e.explore.budget;
  opt.jobs = 1;
  // The search ends at the first class that refutes an "unreachable" once every "reachable" has
  // been shown: nothing later can change the verdict on the claims (a broken runtime fails in
  // seconds instead of after the whole space). Called under the explorer's lock, one class at
  // a time, so `unshown` needs no lock of its own.
  std::vector<std::string> unshown = e.reachable;
  opt.stop_at = [&e, unshown](const explore::Outcome& o) mutable {
    std::erase_if(unshown, [&](const std::string& claim) { return shows(o, claim); });
    const bool refutes = std::any_of(e.unreachable.begin(), e.unreachable.end(), [&](const auto& claim) { return shows(o, claim); });
    return refutes && unshown.empty();
  };
  ClaimCheck out;
  out.result = explore::explore(sc, opt);
  const auto& r = out.result;
  out.coverage = reports::coverage_line(r);
  if (!r.skipped.empty()) return out;
  for (const auto& claim : e.reachable) {
    const bool found = std::any_of(r.classes.begin(), r.classes.end(), [&](const auto& c) { return shows(c.outcome, claim); });
    if (!found)
      out.failures.push_back("reachable " + claim + ": no schedule of " + std::to_string(r.schedules) + " showed it (" +
                             r.strategy + ")");
  }
  for (const auto& claim : e.unreachable)
    for (const auto& c : r.classes)
      if (shows(c.outcome, claim)) out.failures.push_back("unreachable " + claim + ": " + counterexample(c, replay));
  if (!e.unreachable.empty() && r.exhaustive && !r.complete && !r.stopped_at_class)
    out.failures.push_back("unreachable: not proven, the exploration is " + out.coverage + " (raise \"budget\")");
  for (const auto& c : r.classes)
    if (!c.reproduced)
      out.failures.push_back("nondeterminism outside the model: class \"" + c.outcome.text() + "\" ran again as \"" +
                             c.reproduced_as + "\"");
  out.ok = out.failures.empty();
  return out;
}

}  // namespace nsleak::cli
