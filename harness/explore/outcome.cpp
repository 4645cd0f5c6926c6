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

namespace {

// Every observation the class records, in trace order: the event's seq, the goroutine's
// function, the name of what it saw (state_names). One walk for outcome_of and the partial
// outcomes of the state cache.
template <class F>
void for_each_seen(const runner::RunReport& r, F&& f) {
  const scenario::Ids ids(r.program);
  const std::map<trace::StateValue, std::string> names = state_names(r);
  std::map<trace::GoId, std::string> fn{{1, "main"}};
  for (const auto& ev : r.record.events) {
    if (const auto* np = ev.as<trace::NewProc>()) fn[np->g] = ids.function_name(np->fn);
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
    const auto g = fn.find(op->g);
    f(ev.seq, g != fn.end() ? g->second : std::string("?"), it != names.end() ? it->second : std::string("another namespace"));
  }
}

}  // namespace

Outcome outcome_of(const runner::RunReport& r) {
  Outcome o;
  for (const auto& v : r.analysis.verdicts) o.verdicts.push_back(verdict::verdict_name(v.kind));
  std::sort(o.verdicts.begin(), o.verdicts.end());
  o.verdicts.erase(std::unique(o.verdicts.begin(), o.verdicts.end()), o.verdicts.end());
  o.internal_error = r.analysis.internal_error;

  // Names that do not depend on the schedule: origin, and each unshare's `as` (the op that
  // made the namespace). A `get`'s name is whatever it saw, so it names nothing here.
  for_each_seen(r, [&](long, const std::string& fn, const std::string& name) { o.seen[fn].insert(name); });

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

std::vector<std::string> partial_outcomes(const runner::RunReport& r, std::span<const std::int64_t> at) {
  // The verdict kinds raised so far: a verdict's seq is the event that first raised it (-1:
  // raised when the run ended, never part of a prefix).
  std::vector<std::pair<long, std::string>> raised;
  for (const auto& v : r.analysis.verdicts)
    if (v.seq >= 0) raised.emplace_back(v.seq, verdict::verdict_name(v.kind));
  std::sort(raised.begin(), raised.end());
  std::vector<std::pair<long, std::string>> seen;
  for_each_seen(r, [&](long seq, const std::string& fn, const std::string& name) { seen.emplace_back(seq, fn + ":" + name); });
  std::vector<std::string> out;
  out.reserve(at.size());
  std::set<std::string> kinds, saw;
  std::size_t vi = 0, si = 0;
  for (const std::int64_t seq : at) {
    while (vi < raised.size() && raised[vi].first < seq) kinds.insert(raised[vi++].second);
    while (si < seen.size() && seen[si].first < seq) saw.insert(seen[si++].second);
    std::string k;
    for (const auto& v : kinds) k += v + ",";
    k += "|";
    for (const auto& x : saw) k += x + ";";
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace nsleak::explore
