#include "harness/explore/strategies.hpp"

#include <algorithm>

namespace nsleak::explore {
namespace {

// The entity an option stands for (a thread or a goroutine, by label): what PCT prioritises.
std::uint64_t entity(const trace::ChoiceOption& o) {
  return (static_cast<std::uint64_t>(o.subject) << 56) ^ (static_cast<std::uint64_t>(o.label) << 28) ^ o.occ;
}

}  // namespace

std::size_t PrefixStrategy::choose(const rt::Choice& c) {
  if (i_ >= prefix_.size()) {
    ++i_;
    return 0;
  }
  // A prefix from another run of the same schedule has the same option counts (the model is
  // deterministic); clamping keeps a broken assumption a detectable mismatch, not a crash.
  return std::min<std::size_t>(prefix_[i_++], c.options.size() - 1);
}

std::size_t ReplayStrategy::choose(const rt::Choice& c) {
  for (const auto& d : s_) {
    if (d.kind != c.kind || !(d.at == c.at)) continue;
    for (std::size_t i = 0; i < c.options.size(); ++i)
      if (d.option.matches(c.options[i])) return i;
    return 0;
  }
  return 0;
}

PctStrategy::PctStrategy(int depth, std::uint64_t seed, std::size_t k)
    : depth_(std::max(1, depth)), seed_(seed), rng_(seed) {
  const std::size_t steps = std::max<std::size_t>(k, 1);
  for (int j = 1; j < depth_; ++j) change_.push_back(std::uniform_int_distribution<std::size_t>(1, steps)(rng_));
}

std::string PctStrategy::name() const { return "pct:" + std::to_string(depth_) + ":" + std::to_string(seed_); }

double PctStrategy::priority(const trace::ChoiceOption& o) {
  const std::uint64_t key = entity(o);
  auto it = priority_.find(key);
  if (it == priority_.end())  // initial priorities are above every change point's (d - 1 of them)
    it = priority_.emplace(key, depth_ + std::uniform_real_distribution<double>(0, 1)(rng_)).first;
  return it->second;
}

std::size_t PctStrategy::choose(const rt::Choice& c) {
  ++step_;
  const auto hit = std::find(change_.begin(), change_.end(), step_);
  const bool change = hit != change_.end();
  if (c.options.front().subject == trace::OptionSubject::Action)
    return change ? c.options.size() - 1 : 0;  // preempt (or yield) exactly at a change point
  // PCT assumes no thread spins (Burckhardt et al.): a thread that yields while it stays
  // ready — the baton holder offering itself at run-m — would win every such choice forever
  // if its priority were the highest (M0 waiting in runtime.main's prelude did, for 700,000
  // choices). As CHESS and Coyote treat a yield, the yielder ranks below every other option
  // at that choice; its priority is unchanged.
  const auto yielder = [&](std::size_t i) {
    return c.options[i].subject == trace::OptionSubject::M && c.by != trace::kNoM && c.options[i].id == c.by;
  };
  auto best = [&] {
    std::size_t b = 0;
    for (std::size_t i = 1; i < c.options.size(); ++i)
      if (yielder(b) || (!yielder(i) && priority(c.options[i]) > priority(c.options[b]))) b = i;
    return b;
  };
  std::size_t b = best();
  if (change) {
    priority_[entity(c.options[b])] = static_cast<double>(hit - change_.begin()) + 1 - 0.5;  // j, below every initial one
    b = best();
  }
  return b;
}

}  // namespace nsleak::explore
