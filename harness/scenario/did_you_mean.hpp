// "Did you mean" suggestions for names that are not defined or not allowed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsleak::scenario {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1 (a swap is the most common typo: "unsahre").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The first candidate at the smallest distance, if that distance is at most 2 and smaller than
// the word's length (so that "x" does not "mean" every one-letter name).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// The parenthesised tail of an "unknown X" message: ` (did you mean "x"?)` when a candidate is
// close, else ` (expected one of "a", "b")` when the list is short enough to read, else "".
// `list_intro` replaces "expected one of" where the candidates are not a fixed vocabulary.
std::string unknown_name_hint(std::string_view word, const std::vector<std::string>& candidates,
                              std::string_view list_intro = "expected one of");

}  // namespace nsleak::scenario
