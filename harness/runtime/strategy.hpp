// Strategy: answers every scheduling choice point of the controlled runtime.
//
// Controlled mode runs one M at a time; whenever more than one continuation is possible the
// runtime asks the Strategy. Options are listed in Go's own order of preference, so option 0
// is always what Go would most likely do: the `go-order` strategy is "always 0".
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <span>
#include <vector>

#include "harness/trace/event.hpp"

namespace nsleak::rt {

using trace::ChoiceKind;

// A choice point: its options, typed and labelled (an M, a G and where it comes from, or an
// action; trace::ChoiceOption), in Go's order of preference, and where it is asked, stably
// (`at`: the op it follows, harness/explore/labels.hpp). A strategy that replays recorded
// decisions matches `kind`, `at` and option labels, never option positions or ids alone.
struct Choice {
  ChoiceKind kind;
  std::span<const trace::ChoiceOption> options;
  trace::ChoicePoint at{};
  trace::MId by = trace::kNoM;  // the M asking
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // Index into c.options; called only when c.options.size() > 1.
  virtual std::size_t choose(const Choice& c) = 0;
};

// Go's preferences: the canonical schedule.
class GoOrderStrategy final : public Strategy {
 public:
  std::string name() const override { return "go-order"; }
  std::size_t choose(const Choice&) override { return 0; }
};

// Uniformly random among the options, reproducible from the seed.
class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed), rng_(seed) {}
  std::string name() const override { return "random:" + std::to_string(seed_); }
  std::size_t choose(const Choice& c) override {
    return std::uniform_int_distribution<std::size_t>(0, c.options.size() - 1)(rng_);
  }

 private:
  std::uint64_t seed_;
  std::mt19937_64 rng_;
};

// "go-order" or "random:SEED"; throws BadInput otherwise.
std::unique_ptr<Strategy> make_strategy(const std::string& spec);

}  // namespace nsleak::rt
