// Joining suite reports of shards (`nsleak merge`): the runs are concatenated in a stable
// order (scenario, policy) and the summary recomputed. Reports that are not nsleak suites, or
// that contain the same scenario x policy twice, are rejected (bad input).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace nsleak::reports {

struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::json merge_suites(const std::vector<std::pair<std::string, nlohmann::json>>& named);

}  // namespace nsleak::reports
