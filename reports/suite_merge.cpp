#include "reports/suite_merge.hpp"

#include <algorithm>
#include <set>

namespace nsleak::reports {

nlohmann::json merge_suites(const std::vector<std::pair<std::string, nlohmann::json>>& named) {
  nlohmann::json runs = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> seen;
  double wall = 0;
  for (const auto& [name, s] : named) {
    if (!s.is_object() || s.value("schema", std::string()) != "nsleak/suite/1" || !s.contains("runs"))
      throw MergeError(name + ": not an nsleak suite report (expected \"schema\": \"nsleak/suite/1\")");
    for (const auto& r : s["runs"]) {
      auto key = std::make_pair(r.value("file", std::string()) + "#" + r.value("scenario", std::string()),
                                r.value("policy", std::string()));
      if (!seen.insert(key).second)
        throw MergeError(name + ": " + key.first + " [" + key.second + "] appears in more than one report");
      runs.push_back(r);
    }
    wall = std::max(wall, s.value("wall_ms", 0.0));
  }
  std::stable_sort(runs.begin(), runs.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return std::make_pair(a.value("file", std::string()), a.value("policy", std::string())) <
           std::make_pair(b.value("file", std::string()), b.value("policy", std::string()));
  });
  long pass = 0;
  for (const auto& r : runs) pass += r.value("outcome", std::string()) == "pass";
  const long total = static_cast<long>(runs.size());
  return {{"schema", "nsleak/suite/1"}, {"shard", nullptr}, {"wall_ms", wall}, {"runs", runs},
          {"summary", {{"passed", pass}, {"failed", total - pass}, {"total", total}}}};
}

}  // namespace nsleak::reports
