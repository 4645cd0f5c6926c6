#include "reports/explore_merge.hpp"

#include <cstdio>
#include <map>
#include <set>

#include "reports/explore_report.hpp"

namespace nsleak::reports {
namespace {

using nlohmann::json;

bool is_one(const json& j) { return j.is_object() && j.value("schema", "") == "nsleak-explore/1"; }

// What the merge reads, checked so that a truncated or foreign file is bad input.
void check(const std::string& where, const json& e) {
  for (const char* key : {"scenario", "file", "policy", "strategy", "shard", "coverage"})
    if (!e.contains(key) || !e[key].is_string()) throw MergeError(where + ": \"" + key + "\" is missing or not a string");
  for (const char* key : {"schedules", "pruned", "pending", "nondeterministic", "bound"})
    if (!e.contains(key) || !e[key].is_number_integer()) throw MergeError(where + ": \"" + key + "\" is missing or not an integer");
  for (const char* key : {"exhaustive", "complete"})
    if (!e.contains(key) || !e[key].is_boolean()) throw MergeError(where + ": \"" + key + "\" is missing or not true/false");
  // "merged" (the part of "pruned" the state cache cut) came later: a report without it still
  // merges, and then the joined report has none rather than a sum that leaves a shard out.
  if (e.contains("merged") && !e["merged"].is_number_integer()) throw MergeError(where + ": \"merged\" is not an integer");
  if (!e.contains("wall_ms") || !e["wall_ms"].is_number()) throw MergeError(where + ": \"wall_ms\" is missing or not a number");
  if (!e.contains("classes") || !e["classes"].is_array()) throw MergeError(where + ": \"classes\" is missing or not an array");
  for (std::size_t i = 0; i < e["classes"].size(); ++i) {
    const json& c = e["classes"][i];
    const std::string at = where + ": classes[" + std::to_string(i) + "]";
    if (!c.is_object() || !c.contains("outcome") || !c["outcome"].is_string())
      throw MergeError(at + ": \"outcome\" is missing or not a string");
    if (!c.contains("count") || !c["count"].is_number_integer()) throw MergeError(at + ": \"count\" is missing or not an integer");
    if (!c.contains("reproduced") || !c["reproduced"].is_boolean())
      throw MergeError(at + ": \"reproduced\" is missing or not true/false");
  }
}

struct Part {
  std::string file;  // the report it came from
  int k = 1, n = 1;
  const json* e = nullptr;
};

}  // namespace

bool is_exploration(const json& j) {
  if (is_one(j)) return true;
  if (!j.is_array() || j.empty()) return false;
  for (const auto& e : j)
    if (!is_one(e)) return false;
  return true;
}

json merge_explorations(const std::vector<std::pair<std::string, json>>& named) {
  // Group the parts by what was explored, in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<Part>> groups;
  for (const auto& [name, j] : named) {
    if (!is_exploration(j))
      throw MergeError(name + ": not an nsleak exploration (expected \"schema\": \"nsleak-explore/1\"); suite reports "
                              "and explorations are merged separately");
    const std::vector<const json*> items = j.is_array() ? [&] {
      std::vector<const json*> v;
      for (const auto& e : j) v.push_back(&e);
      return v;
    }()
                                                         : std::vector<const json*>{&j};
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json& e = *items[i];
      const std::string where = j.is_array() ? name + ": [" + std::to_string(i) + "]" : name;
      check(where, e);
      Part p{where, 1, 1, &e};
      char slash = 0, extra = 0;
      const std::string sh = e["shard"].get<std::string>();
      if (std::sscanf(sh.c_str(), "%d%c%d%c", &p.k, &slash, &p.n, &extra) != 3 || slash != '/' || p.n < 1 || p.k < 1 ||
          p.k > p.n)
        throw MergeError(where + ": \"shard\" must be \"K/N\" with 1 <= K <= N");
      const std::string key = e["file"].get<std::string>() + '\0' + e["policy"].get<std::string>() + '\0' +
                              e["strategy"].get<std::string>();
      if (!groups.count(key)) order.push_back(key);
      groups[key].push_back(p);
    }
  }
  json out = json::array();
  for (const auto& key : order) {
    auto& parts = groups[key];
    // Every shard of the split, once each.
    const int n = parts.front().n;
    std::map<int, const Part*> by_k;
    for (const auto& p : parts) {
      if (p.n != n)
        throw MergeError(p.file + ": shard " + std::to_string(p.k) + "/" + std::to_string(p.n) + " of a split into " +
                         std::to_string(n) + " (" + parts.front().file + ")");
      const auto [it, fresh] = by_k.emplace(p.k, &p);
      if (!fresh)
        throw MergeError(p.file + ": shard " + std::to_string(p.k) + "/" + std::to_string(n) + " is also in " + it->second->file);
    }
    const json& first = *parts.front().e;
    for (int k = 1; k <= n; ++k)
      if (!by_k.count(k))
        throw MergeError(first["scenario"].get<std::string>() + " under " + first["policy"].get<std::string>() + ": shard " +
                         std::to_string(k) + "/" + std::to_string(n) + " is missing");
    explore::ExploreResult sum;  // the header's numbers, for coverage_line's wording
    sum.exhaustive = first["exhaustive"].get<bool>();
    sum.bound = first["bound"].get<int>();
    sum.complete = true;
    double wall = 0;
    bool all_merged = true;  // every shard says how many of its pruned the cache merged
    std::string guarantee;
    std::vector<std::string> class_order;
    std::map<std::string, json> classes;
    for (const auto& [k, p] : by_k) {  // the lowest shard first: its representatives are kept
      const json& e = *p->e;
      if (e["exhaustive"].get<bool>() != sum.exhaustive || e["bound"].get<int>() != sum.bound)
        throw MergeError(p->file + ": explored with another bound than " + parts.front().file);
      sum.schedules += e["schedules"].get<long>();
      sum.pruned += e["pruned"].get<long>();
      if (e.contains("merged"))
        sum.merged += e["merged"].get<long>();
      else
        all_merged = false;
      sum.pending += e["pending"].get<long>();
      sum.nondeterministic += e["nondeterministic"].get<long>();
      sum.complete = sum.complete && e["complete"].get<bool>();
      if (e.contains("skipped") && e["skipped"].is_string() && sum.skipped.empty()) sum.skipped = e["skipped"].get<std::string>();
      wall = std::max(wall, e["wall_ms"].get<double>());  // shards run side by side
      if (e.contains("guarantee") && e["guarantee"].is_string() && !e["guarantee"].get<std::string>().empty())
        guarantee += (guarantee.empty() ? "shard " : "; shard ") + std::to_string(k) + ": " + e["guarantee"].get<std::string>();
      for (const auto& c : e["classes"]) {
        const std::string o = c["outcome"].get<std::string>();
        auto it = classes.find(o);
        if (it == classes.end()) {
          class_order.push_back(o);
          classes.emplace(o, c);
          continue;
        }
        json& m = it->second;
        m["count"] = m["count"].get<long>() + c["count"].get<long>();
        // A class one shard could not reproduce stays flagged: nondeterminism is never dropped.
        if (!c["reproduced"].get<bool>() && m["reproduced"].get<bool>()) {
          m["reproduced"] = false;
          if (c.contains("reproduced_as")) m["reproduced_as"] = c["reproduced_as"];
        }
      }
    }
    json m = first;
    m["schedules"] = sum.schedules;
    m["pruned"] = sum.pruned;
    if (all_merged)
      m["merged"] = sum.merged;
    else
      m.erase("merged");
    m["pending"] = sum.pending;
    m["nondeterministic"] = sum.nondeterministic;
    m["complete"] = sum.complete;
    m["coverage"] = coverage_line(sum) + (n > 1 ? " (" + std::to_string(n) + " shards merged)" : "");
    m["guarantee"] = guarantee;
    m["shard"] = "1/1";
    m["merged_shards"] = n;
    m["wall_ms"] = wall;
    if (!sum.skipped.empty()) m["skipped"] = sum.skipped;
    json cls = json::array();
    for (const auto& o : class_order) cls.push_back(classes[o]);
    m["classes"] = cls;
    out.push_back(std::move(m));
  }
  return out.size() == 1 ? out[0] : out;
}

}  // namespace nsleak::reports
