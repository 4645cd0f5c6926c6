#include "reports/suite_merge.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace nsleak::reports {
namespace {

using nlohmann::json;

const std::set<std::string> kOutcomes{"pass", "fail", "error", "crash", "timeout", "limit", "sandbox-violation"};

// What junit_xml and the summary rely on, checked so that a truncated, hand-edited or foreign
// file is bad input (exit 2) rather than a crash halfway through writing the merged report.
void check_run(const std::string& where, const json& r) {
  if (!r.is_object()) throw MergeError(where + ": not a run object");
  if (!r.contains("schema") || r["schema"] != "nsleak/run/1")
    throw MergeError(where + ": not an nsleak run (expected \"schema\": \"nsleak/run/1\")");
  for (const char* key : {"scenario", "file", "policy", "outcome", "reason", "reproduce"})
    if (!r.contains(key) || !r[key].is_string())
      throw MergeError(where + ": \"" + key + "\" is missing or not a string");
  for (const char* key : {"scenario", "policy"})
    if (r[key].get<std::string>().empty()) throw MergeError(where + ": \"" + key + "\" is empty");
  if (!kOutcomes.count(r["outcome"].get<std::string>()))
    throw MergeError(where + ": \"outcome\" must be pass, fail, error, crash, timeout, limit or sandbox-violation");
  if (r.contains("story") && !r["story"].is_string()) throw MergeError(where + ": \"story\" is not a string");
  if (!r.contains("stats") || !r["stats"].is_object() || !r["stats"].contains("wall_ms") ||
      !r["stats"]["wall_ms"].is_number())
    throw MergeError(where + ": \"stats\".\"wall_ms\" is missing or not a number");
}

struct Shard {
  int k = 0, n = 0;  // 0 when the report is not a shard
};

Shard check_suite(const std::string& name, const json& s) {
  // The placeholder a run puts at its report before its work (harness/cli/unfinished_report.hpp):
  // that shard was killed, or is still running.
  if (s.is_object() && s.contains("status") && s["status"] == "incomplete")
    throw MergeError(name + ": the run that writes this report did not finish (it was killed, or is still running)");
  if (!s.is_object() || !s.contains("schema") || s["schema"] != "nsleak/suite/1")
    throw MergeError(name + ": not an nsleak suite report (expected \"schema\": \"nsleak/suite/1\")");
  if (!s.contains("runs") || !s["runs"].is_array()) throw MergeError(name + ": \"runs\" is missing or not an array");
  if (s.contains("wall_ms") && !s["wall_ms"].is_number()) throw MergeError(name + ": \"wall_ms\" is not a number");
  for (std::size_t i = 0; i < s["runs"].size(); ++i)
    check_run(name + ": runs[" + std::to_string(i) + "]", s["runs"][i]);
  Shard sh;
  if (!s.contains("shard") || s["shard"].is_null()) return sh;
  const std::string text = s["shard"].is_string() ? s["shard"].get<std::string>() : std::string();
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &sh.k, &slash, &sh.n, &extra) != 3 || slash != '/' || sh.n < 1 ||
      sh.k < 1 || sh.k > sh.n)
    throw MergeError(name + ": \"shard\" must be null or \"K/N\" with 1 <= K <= N");
  return sh;
}

}  // namespace

json merge_suites(const std::vector<std::pair<std::string, json>>& named) {
  std::vector<Shard> shards;
  std::map<std::pair<int, int>, std::string> shard_file;
  std::set<int> splits;
  for (const auto& [name, s] : named) {
    shards.push_back(check_suite(name, s));
    const Shard& sh = shards.back();
    if (sh.n == 0) continue;
    splits.insert(sh.n);
    auto [it, fresh] = shard_file.emplace(std::make_pair(sh.k, sh.n), name);
    if (!fresh)
      throw MergeError(name + ": shard " + std::to_string(sh.k) + "/" + std::to_string(sh.n) +
                       " is also in " + it->second);
  }
  // Every shard of a split must be there: a merge that silently lacks one would report the
  // missing runs as neither passed nor failed.
  for (const int n : splits)
    for (int k = 1; k <= n; ++k)
      if (!shard_file.count({k, n}))
        throw MergeError("shard " + std::to_string(k) + "/" + std::to_string(n) + " is missing");

  // Order: complete shards of one split are interleaved back into the unsharded order (`nsleak
  // test --shard K/N` keeps runs K-1, K-1+N, K-1+2N, ... of the full matrix); anything else is
  // concatenated in the order given.
  const bool one_split = splits.size() == 1 &&
                         std::all_of(shards.begin(), shards.end(), [](const Shard& s) { return s.n != 0; });
  std::vector<std::pair<std::size_t, const json*>> placed;
  std::set<std::pair<std::string, std::string>> seen;
  double wall = 0;
  for (std::size_t i = 0; i < named.size(); ++i) {
    const auto& [name, s] = named[i];
    std::size_t j = 0;
    for (const auto& r : s["runs"]) {
      auto key = std::make_pair(r["file"].get<std::string>() + "#" + r["scenario"].get<std::string>(),
                                r["policy"].get<std::string>());
      if (!seen.insert(key).second)
        throw MergeError(name + ": " + key.first + " [" + key.second + "] appears more than once");
      const std::size_t pos = one_split ? j * static_cast<std::size_t>(shards[i].n) +
                                              static_cast<std::size_t>(shards[i].k - 1)
                                        : placed.size();
      placed.emplace_back(pos, &r);
      ++j;
    }
    if (s.contains("wall_ms")) wall = std::max(wall, s["wall_ms"].get<double>());
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < placed.size(); ++i)
    if (placed[i].first != i)
      throw MergeError("the shards do not fit together (run " + std::to_string(i) +
                       " of the full matrix is in none of them): were they run on the same "
                       "scenarios with the same options?");

  json runs = json::array();
  long pass = 0, skipped = 0;
  for (const auto& [pos, r] : placed) {
    pass += (*r)["outcome"] == "pass";
    skipped += r->contains("environment_error");
    runs.push_back(*r);
  }
  // Every shard loads every file before slicing, so each reports the same invalid files.
  json invalid = json::array();
  std::set<std::string> invalid_files;
  for (const auto& [name, s] : named) {
    if (!s.contains("invalid")) continue;
    if (!s["invalid"].is_array()) throw MergeError(name + ": \"invalid\" is not an array");
    for (const auto& bad : s["invalid"]) {
      if (!bad.is_object() || !bad.contains("file") || !bad["file"].is_string() || !bad.contains("error") ||
          !bad["error"].is_string())
        throw MergeError(name + ": an \"invalid\" entry lacks \"file\" or \"error\" strings");
      if (invalid_files.insert(bad["file"].get<std::string>()).second) invalid.push_back(bad);
    }
  }
  const long total = static_cast<long>(runs.size() + invalid.size());
  return {{"schema", "nsleak/suite/1"}, {"shard", nullptr}, {"wall_ms", wall}, {"runs", std::move(runs)},
          {"invalid", std::move(invalid)},
          {"summary", {{"passed", pass}, {"failed", total - pass - skipped}, {"skipped", skipped}, {"total", total}}}};
}

}  // namespace nsleak::reports
