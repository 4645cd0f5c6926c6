#include "harness/explore/outcome.hpp"

#include <algorithm>

#include "harness/scenario/ids.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::explore {
namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

bool Outcome::leak() const {
  return std::any_of(verdicts.begin(), verdicts.end(), [](const std::string& v) {
    const auto k = verdict::verdict_from_name(v);
    return k && verdict::verdict_is_leak(*k);
  });
}

bool Outcome::failing() const { return leak() || !end.empty(); }

bool Outcome::has(const std::string& v) const { return std::find(verdicts.begin(), verdicts.end(), v) != verdicts.end(); }

std::string Outcome::key() const {
  std::string k;
  for (const auto& v : verdicts) k += v + ",";
  k += "|";
  for (const auto& [fn, names] : seen) {
    k += fn + ":";
    for (const auto& n : names) k += n + ",";
    k += ";";
  }
  return k + "|" + end;
}

std::string Outcome::text() const {
  std::string t;
  for (const auto& v : verdicts) t += (t.empty() ? "" : ", ") + v;
  if (t.empty()) t = "no verdict";
  for (const auto& [fn, names] : seen) {
    std::string n;
    for (const auto& x : names) n += (n.empty() ? "" : ", ") + x;
    t += "; " + fn + " saw " + n;
  }
  if (!end.empty()) t += "; " + end;
  return t;
}

std::map<trace::StateValue, std::string> state_names(const runner::RunReport& r) {
  const scenario::Ids ids(r.program);
  std::map<trace::StateValue, std::string> names;
  for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
    if (r.analysis.origin.has(k)) names[r.analysis.origin.value[k]] = "origin";
  for (const auto& ev : r.record.events) {
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr || op->result != trace::OpResult::Ok) continue;
    const scenario::Op* so = ids.op(op->op);
    if (so != nullptr && so->kind == scenario::OpKind::Unshare && op->value.valid()) names.emplace(op->value, so->name);
  }
  return names;
}

Outcome outcome_of(const runner::RunReport& r) {
  Outcome o;
  for (const auto& v : r.analysis.verdicts) o.verdicts.push_back(verdict::verdict_name(v.kind));
  std::sort(o.verdicts.begin(), o.verdicts.end());
  o.verdicts.erase(std::unique(o.verdicts.begin(), o.verdicts.end()), o.verdicts.end());
  o.internal_error = r.analysis.internal_error;

  // Names that do not depend on the schedule: origin, and each unshare's `as` (the op that
  // made the namespace). A `get`'s name is whatever it saw, so it names nothing here.
  const scenario::Ids ids(r.program);
  const std::map<trace::StateValue, std::string> names = state_names(r);
  std::map<trace::GoId, std::string> fn{{1, "main"}};
  for (const auto& ev : r.record.events)
    if (const auto* np = ev.as<trace::NewProc>()) fn[np->g] = ids.function_name(np->fn);
  for (const auto& ev : r.record.events) {
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr) continue;
    const scenario::Op* so = ids.op(op->op);
    if (so == nullptr) continue;
    trace::StateValue seen;
    if (so->kind == scenario::OpKind::Get && op->result == trace::OpResult::Ok) seen = op->value;
    else if (so->kind == scenario::OpKind::Expect) seen = op->observed;
    else continue;
    if (!seen.valid()) continue;
    const auto it = names.find(seen);
    const auto f = fn.find(op->g);
    o.seen[f != fn.end() ? f->second : "?"].insert(it != names.end() ? it->second : "another namespace");
  }

  if (r.record.timed_out) o.end = "timed out";
  else if (r.record.trace_overflow) o.end = "trace buffer full";
  else if (r.record.memory_limit_hit) o.end = "memory limit";
  else if (!r.record.env_error.empty()) o.end = "skipped: " + first_line(r.record.env_error);
  else if (!r.analysis.limit.empty()) o.end = first_line(r.analysis.limit);
  else if (!r.analysis.fault.empty()) o.end = first_line(r.analysis.fault);
  else if (r.record.term_signal != 0) o.end = "killed by signal " + std::to_string(r.record.term_signal);
  if (o.internal_error && o.end.empty()) o.end = "internal error";
  return o;
}

}  // namespace nsleak::explore
