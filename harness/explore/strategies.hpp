// The strategies exploration runs schedules with. Each is an rt::Strategy, made fresh for one
// run in the parent and consulted in the sandbox child at every choice point.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "harness/explore/schedule.hpp"
#include "harness/runtime/strategy.hpp"

namespace nsleak::explore {

// Takes option prefix[i] at the i-th choice of the run, then option 0: the exhaustive
// search's way of naming a node of the choice tree (one run = one path from the root).
class PrefixStrategy final : public rt::Strategy {
 public:
  explicit PrefixStrategy(std::vector<std::uint16_t> prefix) : prefix_(std::move(prefix)) {}
  std::string name() const override { return "exhaustive"; }
  std::size_t choose(const rt::Choice& c) override;
  std::size_t prefix_size() const { return prefix_.size(); }

 private:
  std::vector<std::uint16_t> prefix_;
  std::size_t i_ = 0;
};

// Takes each decision's option at its point (matched by label), option 0 everywhere else.
// A decision whose point never comes, or whose option is not offered, is not applied: the
// caller checks the run's choices (divergence()) and reports it.
class ReplayStrategy final : public rt::Strategy {
 public:
  ReplayStrategy(Schedule s, std::string name) : s_(std::move(s)), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::size_t choose(const rt::Choice& c) override;

 private:
  Schedule s_;
  std::string name_;
};

// PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010), over labelled options:
// every thread and goroutine label gets a random priority >= depth when first offered; a
// choice takes its highest-priority option; at d-1 change points, drawn uniformly among the
// first k choices, the option about to be taken drops to priority j (below every initial
// one), and a preemption point at a change point preempts. With n labelled entities and k
// choice points, a bug of depth d is hit with probability >= 1/(n * k^(d-1)) per schedule.
class PctStrategy final : public rt::Strategy {
 public:
  PctStrategy(int depth, std::uint64_t seed, std::size_t k);
  std::string name() const override;
  std::size_t choose(const rt::Choice& c) override;

 private:
  int depth_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::size_t> change_;  // choice numbers (1-based) where a priority drops
  std::map<std::uint64_t, double> priority_;
  std::size_t step_ = 0;
  double priority(const trace::ChoiceOption& o);
};

}  // namespace nsleak::explore
