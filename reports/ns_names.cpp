#include "reports/ns_names.hpp"

#include "harness/os/state_ops.hpp"
#include "harness/scenario/ids.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports {

NsNames::NsNames(const runner::RunReport& r) {
  const scenario::Ids ids(r.program);
  for (const auto& ev : r.record.events) {
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr || !op->value.valid() || op->result != trace::OpResult::Ok) continue;
    const scenario::Op* o = ids.op(op->op);
    if (o == nullptr || o->name.empty()) continue;
    if (o->kind == scenario::OpKind::Get || o->kind == scenario::OpKind::Unshare || o->kind == scenario::OpKind::Exec)
      names_.emplace(op->value, o->name);  // the first name wins
  }
  // "origin" wins: `get as: mainNs` at the start names the same namespace.
  for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
    if (r.analysis.origin.has(k)) names_[r.analysis.origin.value[k]] = "origin";
}

std::string NsNames::name(const trace::StateValue& v) const {
  auto it = names_.find(v);
  return it == names_.end() ? std::string() : it->second;
}

std::string kernel_id(trace::KindIndex kind, const trace::StateValue& v) {
  if (!v.valid()) return "?";
  if (kind < os::kStateKinds) return os::value_text(os::kAllKinds[kind], v);
  return TraceNames::kind(kind) + ":[" + std::to_string(v.minor) + "]";
}

std::string NsNames::show(trace::KindIndex kind, const trace::StateValue& v) const {
  const std::string n = name(v);
  return kernel_id(kind, v) + (n.empty() ? "" : " " + n);
}

std::string NsNames::id(trace::KindIndex kind, const trace::StateValue& v, bool annotate) const {
  const std::string n = annotate ? name(v) : std::string();
  return kernel_id(kind, v) + (n.empty() ? "" : " (" + n + ")");
}

}  // namespace nsleak::reports
