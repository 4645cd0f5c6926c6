#include "harness/explore/prune.hpp"

namespace nsleak::explore {
namespace {

bool chose_action(const ChoiceRec& c, trace::PreemptAction a) {
  return c.kind == trace::ChoiceKind::Preempt && c.chosen < c.options.size() &&
         c.options[c.chosen].subject == trace::OptionSubject::Action &&
         c.options[c.chosen].detail == static_cast<std::uint8_t>(a);
}

}  // namespace

PruneRule prune_rule(std::span<const ChoiceRec> run, std::size_t i, std::size_t j) {
  if (i == 0 || i >= run.size() || j >= run[i].options.size()) return PruneRule::None;
  const ChoiceRec& prev = run[i - 1];
  const ChoiceRec& c = run[i];
  const trace::ChoiceOption& o = c.options[j];
  // Both rules need the choice to come straight after the preemption point, asked by the
  // same M, with nothing traced in between: then nothing else can have happened.
  if (!c.follows_choice || c.by != prev.by) return PruneRule::None;
  if (c.kind == trace::ChoiceKind::RunM && chose_action(prev, trace::PreemptAction::Yield) &&
      o.subject == trace::OptionSubject::M && o.id == c.by)
    return PruneRule::YieldToSelf;
  if (c.kind == trace::ChoiceKind::PickG && chose_action(prev, trace::PreemptAction::Preempt) && !prev.op_locked &&
      o.subject == trace::OptionSubject::G && o.id == prev.op_g &&
      o.detail == static_cast<std::uint8_t>(trace::GSource::Global))
    return PruneRule::PreemptToSelf;
  return PruneRule::None;
}

}  // namespace nsleak::explore
