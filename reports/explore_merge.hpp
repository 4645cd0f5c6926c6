// Joining exploration reports of shards (`nsleak merge` on `nsleak explore --shard K/N
// --format json` outputs): the explorations of one scenario x policy x strategy are summed
// into one, their outcome classes joined by outcome (counts summed; the representative,
// token, shrunk schedule and flip point of the lowest shard that found the class kept). An
// exhaustive merge is complete when every shard was. Like suite merging (suite_merge.hpp),
// a report that is not an nsleak exploration, a shard given twice or a shard left out is
// rejected (MergeError: bad input): a merge that silently lacks a shard would claim a search
// it did not make.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/suite_merge.hpp"

namespace nsleak::reports {

// True if `j` is an exploration report or an array of them (explore --format json).
bool is_exploration(const nlohmann::json& j);
// The merged explorations: one object if there is one, else an array, in first-seen order.
nlohmann::json merge_explorations(const std::vector<std::pair<std::string, nlohmann::json>>& named);

}  // namespace nsleak::reports
