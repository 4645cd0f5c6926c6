// The flip point: the one decision a schedule's outcome hinges on — its last non-default
// decision, once shrunk — what Go's preferred option there is, and what the run shows when
// that decision goes Go's way. Both exploration (each class's shrunk schedule) and
// `nsleak replay --html` (any token) name it the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/explore/labels.hpp"
#include "harness/explore/outcome.hpp"
#include "harness/explore/schedule.hpp"
#include "harness/runner/run_report.hpp"

namespace nsleak::explore {

struct FlipPoint {
  std::string point;              // "pick-g@main#3"
  trace::ChoiceKind kind = trace::ChoiceKind::RunM;
  std::string chosen, instead;    // the option taken, and Go's preferred one (option 0)
  std::string by;                 // the asking M ("startm#1")
  std::string op_g;               // preempt: the goroutine at the op boundary ("child#1")
  Outcome without;                // the outcome with go-order at that point
  // Where the decision sits in the run that took it: its Choice event, and the asking M.
  std::int64_t seq = -1;
  trace::MId m = trace::kNoM;
};

// The flip point of `last`, taken by the run `with` (its trace names who asked and which
// goroutine was at the op boundary); `without` is the outcome of the same schedule minus it.
FlipPoint flip_point(const Labels& labels, const Decision& last, const runner::RunReport& with, const Outcome& without);

// `nsleak replay --html`: a token's run, its flip point, and the run without that decision
// (the rest of the token, then go-order), both real runs. An empty token has no flip point.
struct FlipReplay {
  runner::RunReport run;
  std::optional<FlipPoint> flip;
  std::optional<runner::RunReport> without;
  std::string without_token;              // the token minus its last decision
  std::int64_t without_seq = -1;          // the same choice point in `without` (-1: never reached)
  trace::MId without_m = trace::kNoM;
};

// Throws rt::BadInput as replay() does (a bad token, a decision that no longer applies).
FlipReplay replay_flip(const scenario::Scenario& sc, const std::string& token, const runner::RunOptions& opt);

}  // namespace nsleak::explore
