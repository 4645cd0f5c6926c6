// Schedules: the choices a run made (read back from its trace), the non-default decisions
// that identify it, and replay tokens — their text.
//
// A token lists only the decisions where the run did not take Go's preferred option (option
// 0), each as POINT=OPTION by label (labels.hpp), joined by commas:
//     pick-g@main#3=steal:child#1,run-m@child#1~2=startm#1
// A run replaying it takes each listed option at its point and option 0 everywhere else, so
// after the last decision it follows go-order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/explore/labels.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::explore {

// One choice as the trace recorded it.
struct ChoiceRec {
  trace::ChoiceKind kind = trace::ChoiceKind::RunM;
  trace::ChoicePoint at;
  std::uint16_t noptions = 0, chosen = 0;
  trace::MId by = trace::kNoM;
  std::vector<trace::ChoiceOption> options;  // the first 64
  // The op event just before it (a Preempt choice's op: its G, and whether that G is locked).
  trace::GoId op_g = trace::kNoG;
  bool op_locked = false;
  std::int64_t seq = -1;
  bool follows_choice = false;  // no event between the previous choice and this one
};

// The run's choices, in order.
std::vector<ChoiceRec> choices_of(std::span<const trace::Event> events);

struct Decision {
  trace::ChoiceKind kind = trace::ChoiceKind::RunM;
  trace::ChoicePoint at;
  OptionKey option;
};
using Schedule = std::vector<Decision>;

// The decisions of a run that were not option 0.
Schedule non_default(std::span<const ChoiceRec> choices);

std::string decision_text(const Decision& d, const Labels& labels);
std::string token(const Schedule& s, const Labels& labels);  // "" for go-order
// Throws rt::BadInput naming the decision (its number and text) and what is wrong with it.
Schedule parse_token(std::string_view token, const Labels& labels);

// Did the run apply every decision? nullopt if so, else a sentence naming the first decision
// that did not apply and why: its point never came, or its option was not among the options.
std::optional<std::string> divergence(const Schedule& asked, std::span<const ChoiceRec> ran, const Labels& labels);

// M id -> (role, creation order) from the run's NewM events (the labels of the `by` Ms).
std::vector<std::pair<trace::MRole, std::uint32_t>> m_labels(std::span<const trace::Event> events);
// goid -> (function tag, spawn occurrence) from the run's NewProc events (main: goid 1).
std::map<trace::GoId, std::pair<std::uint32_t, std::uint32_t>> g_labels(std::span<const trace::Event> events);

}  // namespace nsleak::explore
