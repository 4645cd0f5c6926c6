// Reads arrays of ops (`main`, function bodies, `repeat` bodies) into Ops: checks each op's
// keys and values, fills the Op fields as scenario.hpp documents them, labels every op
// ("main#3", "main#3.0") and records the names it uses or defines in `refs`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/scenario/located_json.hpp"
#include "harness/scenario/references.hpp"
#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

// Bounds on the numbers an op may carry.
inline constexpr std::int64_t kMaxWgAdd = 1'000'000;
inline constexpr std::int64_t kMaxSleepMs = 60'000;
inline constexpr std::int64_t kMaxRepeatTimes = 10'000;
inline constexpr std::int64_t kMaxUntil = 10'000;  // until's max passes, as repeat's times
inline constexpr std::int64_t kMaxId = 4'294'967'294;  // uid_t/gid_t; (uid_t)-1 means "unchanged"
inline constexpr std::int64_t kMinNice = -20, kMaxNice = 19;  // setpriority(2)
inline constexpr std::int64_t kMaxCpu = 1023;  // CPU_SETSIZE - 1

// One key an op takes besides "op", as the parser reads it: for `nsleak list ops` and the
// format's reference, so neither keeps a second copy of the parser's rules.
struct OpField {
  std::string key;
  bool required = false;
  std::string syntax;        // "identifier", "integer 1..1000000", "one of: net, uts, ipc", ...
  std::string default_text;  // "" when required or when absence has no value
};
std::vector<OpField> op_fields(OpKind kind);

// `array` must be a JSON array; the i-th op is labelled `label_prefix + i` ("main#" or
// "main#3.").
std::vector<Op> read_ops(const JsonNode& array, const std::string& label_prefix, References& refs);

}  // namespace nsleak::scenario
