// Joining suite reports of shards (`nsleak merge`): complete shards of one `--shard K/N` split
// are interleaved back into the order of the unsharded run; other reports are concatenated in
// the order given. The summary is recomputed. Reports that are not well-formed nsleak suites,
// that contain the same scenario x policy twice, that repeat a shard or leave one out, are
// rejected (MergeError: bad input).
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
