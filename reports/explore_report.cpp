#include "reports/explore_report.hpp"

#include <sstream>

#include "harness/trace/names.hpp"
#include "reports/prose.hpp"

namespace nsleak::reports {
namespace {

std::string quoted(const std::string& token) { return "'" + token + "'"; }

std::string plural(long n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace

std::string coverage_line(const explore::ExploreResult& r) {
  const std::string counts = plural(r.schedules, "schedule run", "schedules run") + ", " + std::to_string(r.pruned) + " pruned";
  if (!r.skipped.empty()) return "skipped: " + r.skipped;
  if (r.exhaustive && r.complete)
    return "complete: every schedule within bound " + std::to_string(r.bound) + " — " + std::to_string(r.schedules) +
           " run, " + std::to_string(r.pruned) + " pruned";
  if (r.stopped_at_class)
    return "stopped at the first counterexample: " + counts + (r.exhaustive ? " (bound " + std::to_string(r.bound) + ")" : "");
  if (r.exhaustive) {
    std::string s = "not complete within bound " + std::to_string(r.bound) + ": " + counts;
    if (r.pending > 0)
      s += ", " + plural(r.pending, "known schedule", "known schedules") + " not run (the budget ran out; the space is at least " +
           std::to_string(r.schedules + r.pruned + r.pending) + ")";
    if (r.nondeterministic > 0)
      s += ", " + plural(r.nondeterministic, "run", "runs") + " did not follow their schedule (nondeterminism outside the model)";
    return s;
  }
  return counts;
}

std::string explore_text(const explore::ExploreResult& r, const std::string& replay_prefix) {
  std::ostringstream os;
  os << "nsleak explore: " << r.scenario << " under policy " << r.policy << ", strategy " << r.strategy;
  if (r.shards > 1) os << ", shard " << r.shard << "/" << r.shards;
  os << "\n  " << coverage_line(r) << "\n";
  if (!r.guarantee.empty()) os << "  " << r.guarantee << "\n";
  if (!r.skipped.empty()) return os.str();
  os << "  " << plural(static_cast<long>(r.classes.size()), "outcome class", "outcome classes") << ":\n";
  for (std::size_t i = 0; i < r.classes.size(); ++i) {
    const auto& c = r.classes[i];
    os << "\n  [" << i + 1 << "] " << c.outcome.text() << "\n";
    os << "      " << plural(c.count, "schedule", "schedules") << "; found by " << c.found_by
       << (c.ns_pool ? " with the namespace pool" : "")
       << (c.reproduced ? (c.ns_pool ? "; confirmed with real unshare" : "; confirmed by a re-run") : "") << "\n";
    if (!c.reproduced)
      os << "      NOT REPRODUCED: run again it showed " << c.reproduced_as
         << " — nondeterminism outside the model (the kernel or timing the baton does not control)\n";
    if (c.token.empty()) {
      os << "      schedule: go-order (no non-default decision)\n";
      continue;
    }
    // A random schedule's token can hold hundreds of decisions: the shrunk one is what to paste.
    if (c.token.size() <= 240 || c.shrunk == c.token)
      os << "      token:  " << quoted(c.token) << " (" << plural(c.decisions, "decision", "decisions") << ")\n";
    else
      os << "      token:  " << plural(c.decisions, "decision", "decisions") << " (the whole token: --format json)\n";
    if (c.shrunk != c.token)
      os << "      shrunk: " << quoted(c.shrunk) << " (" << plural(c.shrunk_decisions, "decision", "decisions") << ")\n";
    if (c.flip) os << "      flip:   " << flip_sentence(*c.flip, c.outcome) << "\n";
    os << "      replay: " << replay_prefix << " " << quoted(c.shrunk.empty() ? c.token : c.shrunk) << "\n";
  }
  return os.str();
}

namespace {

nlohmann::json outcome_json(const explore::Outcome& o) {
  nlohmann::json seen = nlohmann::json::object();
  for (const auto& [fn, names] : o.seen) seen[fn] = std::vector<std::string>(names.begin(), names.end());
  return {{"type", "class"}, {"outcome", o.text()}, {"verdicts", o.verdicts}, {"seen", seen}, {"end", o.end}, {"leak", o.leak()}};
}

}  // namespace

nlohmann::json found_json(const explore::ExploreOptions::ClassFound& c, const std::string& replay_prefix) {
  nlohmann::json j = outcome_json(c.outcome);
  j["found_by"] = c.found_by;
  j["found_at_schedule"] = c.schedule;
  j["token"] = c.token;
  j["decisions"] = c.decisions;
  j["replay"] = replay_prefix + " " + quoted(c.token);
  return j;
}

nlohmann::json class_json(const explore::ClassResult& c, const std::string& replay_prefix) {
  nlohmann::json j = outcome_json(c.outcome);
  j.update(nlohmann::json{{"count", c.count},
                   {"found_by", c.found_by},
                   {"token", c.token},
                   {"decisions", c.decisions},
                   {"shrunk", c.shrunk},
                   {"shrunk_decisions", c.shrunk_decisions},
                   {"ns_mode", c.ns_pool ? "pool" : "unshare"},
                   {"reproduced", c.reproduced},
                   {"replay", replay_prefix + " " + quoted(c.shrunk)}});
  if (!c.reproduced) j["reproduced_as"] = c.reproduced_as;
  if (c.flip)
    j["flip"] = {{"point", c.flip->point},
                 {"kind", trace::choice_kind_name(c.flip->kind)},
                 {"chosen", c.flip->chosen},
                 {"instead", c.flip->instead},
                 {"without", c.flip->without.text()},
                 {"sentence", flip_sentence(*c.flip, c.outcome)}};
  return j;
}

nlohmann::json explore_json(const explore::ExploreResult& r, const std::string& replay_prefix) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : r.classes) classes.push_back(class_json(c, replay_prefix));
  nlohmann::json j{{"type", "explore"},
                   {"schema", "nsleak-explore/1"},
                   {"scenario", r.scenario},
                   {"file", r.file},
                   {"policy", r.policy},
                   {"strategy", r.strategy},
                   {"schedules", r.schedules},
                   {"pruned", r.pruned},
                   {"merged", r.merged},
                   {"exhaustive", r.exhaustive},
                   {"bound", r.bound},
                   {"complete", r.complete},
                   {"pending", r.pending},
                   {"nondeterministic", r.nondeterministic},
                   {"coverage", coverage_line(r)},
                   {"guarantee", r.guarantee},
                   {"shard", std::to_string(r.shard) + "/" + std::to_string(r.shards)},
                   {"wall_ms", r.wall_ms},
                   {"classes", classes}};
  if (!r.skipped.empty()) j["skipped"] = r.skipped;
  return j;
}

}  // namespace nsleak::reports
