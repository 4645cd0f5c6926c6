#include "reports/trace_names.hpp"

#include "harness/os/state_kind.hpp"
#include "harness/trace/names.hpp"

namespace nsleak::reports {

TraceNames::TraceNames(const runner::RunReport& r) : ids_(r.program) {
  for (const auto& ev : r.record.events)
    if (const auto* np = ev.as<trace::NewProc>()) gfn_[np->g] = np->fn;
}

std::string TraceNames::op_name(std::uint32_t id) const {
  const scenario::Op* o = ids_.op(id);
  return o != nullptr ? scenario::op_name(o->kind) : "?";
}

std::string TraceNames::label(std::uint32_t id) const {
  const scenario::Op* o = ids_.op(id);
  return o != nullptr ? o->label : "?";
}

int TraceNames::line(std::uint32_t id) const {
  const scenario::Op* o = ids_.op(id);
  return o != nullptr ? o->loc.line : 0;
}

std::string TraceNames::fn(std::int64_t g) const {
  const auto it = gfn_.find(g);
  if (it == gfn_.end()) return "main";  // the main goroutine is the only one not spawned by `go`
  return it->second != 0 ? ids_.function_name(it->second) : "?";
}

std::string TraceNames::option(const trace::ChoiceOption& o) const {
  switch (o.kind) {
    case trace::ChoiceKind::RunM:
    case trace::ChoiceKind::Startm: return "m" + std::to_string(o.id);
    case trace::ChoiceKind::PickG:
    case trace::ChoiceKind::StealWork:
      return std::string(trace::source_name(static_cast<trace::GSource>(o.detail))) + ":" + glabel(o.id);
    case trace::ChoiceKind::Preempt: return trace::action_name(static_cast<trace::PreemptAction>(o.detail));
    case trace::ChoiceKind::Gosched: {
      const auto t = static_cast<trace::GoschedTaker>(o.detail);
      return t == trace::GoschedTaker::Self ? "self" : "m" + std::to_string(o.id);
    }
    case trace::ChoiceKind::WakeP:
      return std::string(trace::wakep_action_name(static_cast<trace::WakePAction>(o.detail))) + ":m" + std::to_string(o.id);
    case trace::ChoiceKind::Retake:
      return std::string(trace::retake_action_name(static_cast<trace::RetakeAction>(o.detail))) + ":p" + std::to_string(o.id);
    case trace::ChoiceKind::RunTimer: return glabel(o.id);
  }
  return "?";
}

std::string TraceNames::wait(const trace::Park& p) const {
  std::string reason = trace::wait_name(p.reason);
  if (p.object != 0) reason += " " + object(p.object);
  return reason;
}

std::string TraceNames::kind(trace::KindIndex k) {
  return k < os::kStateKinds ? os::kind_name(os::kAllKinds[k]) : "?";
}

}  // namespace nsleak::reports
