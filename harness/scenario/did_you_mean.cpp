#include "harness/scenario/did_you_mean.hpp"

#include <algorithm>

#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

constexpr std::size_t kMaxSuggestionDistance = 2;
constexpr std::size_t kMaxListedCandidates = 10;

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows: a swap looks two rows back.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = kMaxSuggestionDistance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance && d < word.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string unknown_name_hint(std::string_view word, const std::vector<std::string>& candidates,
                              std::string_view list_intro) {
  if (auto match = closest_match(word, candidates)) return " (did you mean " + quote(*match) + "?)";
  if (!candidates.empty() && candidates.size() <= kMaxListedCandidates)
    return " (" + std::string(list_intro) + " " + quote_list(candidates) + ")";
  return "";
}

}  // namespace nsleak::scenario
