// analyze: replay the typed trace, tracking each M's state as the kernel reported it and *why*
// it is in that state (its provenance: typed steps referring to events), and raise a verdict
// wherever the taxonomy says a leak became possible or was observed.
#include <chrono>
#include <map>
#include <optional>

#include "harness/os/state_kind.hpp"
#include "harness/scenario/ids.hpp"
#include "harness/verdict/verdict.hpp"

namespace nsleak::verdict {
namespace {

using trace::Event;
using trace::KindIndex;
using trace::MId;

struct MState {
  std::int32_t tid = 0;
  trace::MRole role = trace::MRole::Startm;
  StateSet state;  // from the latest snapshot
  bool exited = false, wedged = false;
  std::int64_t cloned_from = -1;
  trace::CloneVia via = trace::CloneVia::Direct;
  std::vector<ProvStep> chain;  // why the thread is in `state`
};

constexpr KindIndex kNet = static_cast<KindIndex>(os::index(os::StateKind::Net));

class Analyzer {
 public:
  explicit Analyzer(const scenario::Scenario& sc) : ids_(sc) {}

  Analysis run(std::span<const Event> events,
               std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max()) {
    std::size_t i = 0;
    for (const auto& ev : events) {
      if ((++i & 4095) == 0 && std::chrono::steady_clock::now() > until) {
        a_.cut = true;
        return std::move(a_);  // unfinished: finish() would judge threads still running as ended
      }
      on_event(ev);
    }
    finish();
    return std::move(a_);
  }

 private:
  std::optional<KindIndex> dirty_kind(const StateSet& s) const {
    for (KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
      if (s.has(k) && a_.origin.has(k) && s.value[k] != a_.origin.value[k]) return k;
    return std::nullopt;
  }
  bool dirty(const MState& m) const { return dirty_kind(m.state).has_value(); }

  scenario::OpKind op_kind(const trace::Op& op) const {
    const scenario::Op* o = ids_.op(op.op);
    return o != nullptr ? o->kind : scenario::OpKind::Yield;
  }

  ProvStep step(StepKind kind, const Event& ev, MId m) {
    ProvStep s;
    s.kind = kind;
    s.seq = ev.seq;
    s.m = m;
    if (m != trace::kNoM) {
      s.tid = ms_[m].tid;
      s.state = ms_[m].state;
    }
    return s;
  }
  ProvStep op_step(StepKind kind, const Event& ev, const trace::Op& op) {
    ProvStep s = step(kind, ev, op.m);
    s.g = op.g;
    s.op = op.op;
    return s;
  }

  // The namespace a verdict is about: for a thread, the kind in which it differs from origin.
  struct Ns {
    KindIndex kind = kNet;
    trace::StateValue value;
  };
  Ns ns_of(MId m) {
    if (m == trace::kNoM) return {};
    const MState& st = ms_[m];
    const KindIndex k = dirty_kind(st.state).value_or(kNet);
    return {k, st.state.value[k]};
  }

  // Raises verdict `k` for (m, its namespace), or counts it again: one verdict per (kind,
  // thread, namespace), with each goroutine involved and its own provenance. The step that
  // raised it is `cause_from_end` from the end of `prov`; `ns` overrides the thread's.
  Verdict& add(VerdictKind k, std::int64_t g, MId m, const Event* ev, std::uint32_t op, std::vector<ProvStep> prov,
               std::size_t cause_from_end = 1, std::optional<Ns> ns = std::nullopt) {
    const Ns key = ns ? *ns : ns_of(m);
    const std::size_t cause = prov.size() >= cause_from_end ? prov.size() - cause_from_end : 0;
    const long seq = ev != nullptr ? ev->seq : -1;
    for (auto& v : a_.verdicts)
      if (v.kind == k && v.m == m && v.kind_index == key.kind && v.value == key.value) {
        ++v.occurrences;
        if (g < 0) return v;
        for (auto& share : v.goroutines)
          if (share.g == g) {
            ++share.count;
            return v;
          }
        v.goroutines.push_back({g, 1, op, seq, std::move(prov), cause});
        return v;
      }
    Verdict v;
    v.kind = k;
    v.g = g;
    v.m = m;
    if (m != trace::kNoM) v.tid = ms_[m].tid;
    v.kind_index = key.kind;
    v.value = key.value;
    v.op = op;
    v.seq = seq;
    v.provenance = std::move(prov);
    v.cause = cause;
    if (g >= 0) v.goroutines.push_back({g, 1, op, seq, v.provenance, cause});
    a_.verdicts.push_back(std::move(v));
    return a_.verdicts.back();
  }
  std::size_t index_of(const Verdict& v) const { return static_cast<std::size_t>(&v - a_.verdicts.data()); }

  // Goroutine g's part in verdict v was observed: extend its chain (and the representative's).
  void observed(Verdict& v, std::int64_t g, const ProvStep& s) {
    const auto extend = [&](std::vector<ProvStep>& p) {
      if (!p.empty() && p.back().kind != StepKind::ObservedBy) p.push_back(s);
    };
    if (v.g == g) extend(v.provenance);
    for (auto& share : v.goroutines)
      if (share.g == g) extend(share.provenance);
  }

  // Kernel rows (a snapshot of every task, or an op's own thread): update each M's state and
  // explain every change.
  void observe(const Event& ev) {
    for (const auto& row : ev.tasks) {
      if (row.m == trace::kNoM) continue;
      MState& st = ms_[row.m];
      st.tid = row.tid;
      const bool first = st.state.mask == 0;
      bool changed = false;
      for (KindIndex k = 0; k < trace::kMaxStateKinds; ++k) {
        if (!row.has(k)) continue;
        changed = changed || (st.state.has(k) && st.state.value[k] != row.state[k]);
        st.state.mask |= 1u << k;
        st.state.value[k] = row.state[k];
      }
      if (first) {
        on_first_sight(row.m, st, ev);
      } else if (changed) {
        on_change(row.m, st, ev);
      }
    }
  }

  void on_first_sight(MId m, MState& st, const Event& ev) {
    if (ev.is<trace::Start>()) {
      a_.origin = st.state;
      st.role = trace::MRole::M0;
      return;
    }
    const auto* nm = ev.as<trace::NewM>();
    if (nm == nullptr || nm->m != m) return;
    st.role = nm->role;
    st.cloned_from = nm->from_m;
    st.via = nm->via;
    if (!dirty(st)) return;
    st.chain = ms_[nm->from_m].chain;
    ProvStep s = step(StepKind::Cloned, ev, m);
    s.other_m = nm->from_m;
    s.other_tid = nm->from_tid;
    s.role = nm->role;
    s.via = nm->via;
    st.chain.push_back(s);
    add(VerdictKind::InheritedClone, -1, m, &ev, 0, st.chain);
  }

  void on_change(MId m, MState& st, const Event& ev) {
    if (!dirty(st)) {
      st.chain.clear();
      return;
    }
    if (const auto* op = ev.as<trace::Op>(); op != nullptr && op->m == m) {
      const auto k = op_kind(*op);
      if (k == scenario::OpKind::Unshare || k == scenario::OpKind::Setns || k == scenario::OpKind::Setuid ||
          k == scenario::OpKind::Setgid || k == scenario::OpKind::Setaffinity || k == scenario::OpKind::Setnice) {
        st.chain = {op_step(StepKind::MovedByOp, ev, *op)};
        return;
      }
    }
    st.chain.push_back(step(StepKind::Unexplained, ev, m));
  }

  void on_event(const Event& ev) {
    // A process-wide change (go1.16's AllThreadsSyscall) is the program's new starting state
    // for its kind: it moves origin before the snapshot is read, so no thread is left dirty.
    if (const auto* op = ev.as<trace::Op>(); op != nullptr && op->all_threads && op->value.valid()) {
      a_.origin.mask |= 1u << op->kind;
      a_.origin.value[op->kind] = op->value;
    }
    if (!ev.tasks.empty()) observe(ev);
    if (const auto* op = ev.as<trace::Op>()) return on_op(ev, *op);
    if (ev.is<trace::Choice>()) ++a_.choices;
    if (const auto* gx = ev.as<trace::GExit>()) return on_gexit(ev, *gx);
    if (const auto* mx = ev.as<trace::MExit>()) return on_thread_end(ev, mx->m, trace::kNoG, false);
    if (const auto* k = ev.as<trace::StrictUnlockKill>()) {
      // On M0 the kill becomes a wedge, reported by the Wedge event that follows.
      if (k->m == 0) {
        strict_killed_m0_ = true;
        return;
      }
      return on_thread_end(ev, k->m, k->g, true);
    }
    if (const auto* w = ev.as<trace::Wedge>()) return on_wedge(ev, w->m);
    if (ev.is<trace::Exit>()) a_.completed = true;
    if (const auto* d = ev.as<trace::Disagreement>()) {
      a_.disagreements.push_back(*d);
      a_.internal_error = true;
    }
    if (const auto* f = ev.as<trace::Fault>()) {
      if (f->kind == trace::FaultKind::Limit) {  // not the program's: a run limit (run_limits.hpp)
        a_.limit = ev.text;
        return;
      }
      a_.fault = ev.text;
      a_.internal_error = a_.internal_error || f->kind == trace::FaultKind::Throw;
    }
  }

  void on_op(const Event& ev, const trace::Op& op) {
    ++a_.steps;
    MState& st = ms_[op.m];
    // A released dirty thread that another goroutine now runs on: the poison is observed.
    if (auto it = released_.find(op.m); it != released_.end()) {
      if (dirty(st) && it->second.first != op.g) {
        observed(a_.verdicts[it->second.second], it->second.first, op_step(StepKind::ObservedBy, ev, op));
      }
      if (!dirty(st)) released_.erase(it);
    }
    const auto kind = op_kind(op);
    if (kind == scenario::OpKind::Unlock && op.released && dirty(st)) {
      auto prov = st.chain;
      prov.push_back(op_step(StepKind::Unlocked, ev, op));
      released_[op.m] = {op.g, index_of(add(VerdictKind::PoisonedThread, op.g, op.m, &ev, op.op, std::move(prov)))};
    }
    if (kind == scenario::OpKind::Exec) on_exec(ev, op, st);
    if (kind == scenario::OpKind::Until) on_until(ev, op);
    if (op.observe) on_observation(ev, op, st, kind);
  }

  // An exec's attached states are what its child reported, one per observed kind: each kind
  // in which the child did not start in origin is an exec-inherited verdict of its own.
  void on_exec(const Event& ev, const trace::Op& op, const MState& st) {
    for (const auto& child : ev.states) {
      if (!child.now.valid() || !a_.origin.has(child.kind) || child.now == a_.origin.value[child.kind]) continue;
      auto prov = st.chain;
      ProvStep s = op_step(StepKind::ExecForked, ev, op);
      s.kind_index = child.kind;
      s.value = child.now;
      prov.push_back(s);
      add(VerdictKind::ExecInherited, op.g, op.m, &ev, op.op, std::move(prov), 1, Ns{child.kind, child.now});
    }
  }

  // The last pass of an until found its thread still there: the watched M's story, then the
  // loop that gave up on it.
  void on_until(const Event& ev, const trace::Op& op) {
    const scenario::Op* o = ids_.op(op.op);
    if (op.ok || o == nullptr || static_cast<std::int64_t>(op.value.minor) < o->n) return;
    const auto watched = static_cast<MId>(op.child);
    auto prov = ms_[watched].chain;
    ProvStep s = step(StepKind::PolledToMax, ev, watched);
    s.tid = static_cast<std::int32_t>(op.value.major);
    s.g = op.g;
    s.op = op.op;
    s.other_m = op.m;
    s.other_tid = op.tid;
    s.value = op.value;
    prov.push_back(s);
    add(VerdictKind::UntilMax, op.g, watched, &ev, op.op, std::move(prov), 1, Ns{kNet, op.value});
  }

  void on_observation(const Event& ev, const trace::Op& op, const MState& st, scenario::OpKind kind) {
    for (const auto& os : ev.states) {
      if (!os.belief.valid() || os.now == os.belief) continue;
      auto prov = st.chain;
      ProvStep s = op_step(op.inherit ? StepKind::SpawnedInherit : StepKind::BelievedButRan, ev, op);
      s.kind_index = os.kind;
      s.value = os.belief;
      s.other = os.now;
      if (op.inherit) {
        prov.push_back(s);
        s.kind = StepKind::RanIn;
        prov.push_back(s);
        // The cause is the expectation, with what happened instead.
        add(VerdictKind::LostInheritance, op.g, op.m, &ev, op.op, std::move(prov), 2);
      } else {
        prov.push_back(s);
        add(VerdictKind::StaleBelief, op.g, op.m, &ev, op.op, std::move(prov));
      }
    }
    if (kind == scenario::OpKind::Expect && !op.match) {
      auto prov = st.chain;
      ProvStep s = op_step(StepKind::ExpectedButWas, ev, op);
      s.kind_index = op.kind;
      s.value = op.value;
      s.other = op.observed;
      prov.push_back(s);
      add(VerdictKind::StaleBelief, op.g, op.m, &ev, op.op, std::move(prov));
    }
  }

  void on_gexit(const Event& ev, const trace::GExit& gx) {
    MState& st = ms_[gx.m];
    if (gx.fate != trace::GExitFate::Pool || !dirty(st)) return;
    auto prov = st.chain;
    ProvStep s = step(StepKind::LockedExitToPool, ev, gx.m);
    s.g = gx.g;
    prov.push_back(s);
    released_[gx.m] = {gx.g, index_of(add(VerdictKind::PoisonedThread, gx.g, gx.m, &ev, 0, std::move(prov)))};
  }

  void on_thread_end(const Event& ev, MId m, std::int64_t g, bool strict) {
    MState& st = ms_[m];
    st.exited = true;
    if (!dirty(st)) return;
    auto prov = st.chain;
    ProvStep s = step(StepKind::ThreadEnded, ev, m);
    s.strict = strict;
    prov.push_back(s);
    add(VerdictKind::ThreadExited, g, m, &ev, 0, std::move(prov));
  }

  void on_wedge(const Event& ev, MId m) {
    MState& st = ms_[m];
    st.wedged = true;
    auto prov = st.chain;
    ProvStep s = step(StepKind::Wedged, ev, m);
    s.strict = strict_killed_m0_;
    prov.push_back(s);
    add(VerdictKind::WedgedM0, -1, m, &ev, 0, std::move(prov));
  }

  void finish() {
    const auto it = ms_.find(0);
    if (it != ms_.end() && dirty(it->second)) {
      auto prov = it->second.chain;
      ProvStep s;
      s.kind = StepKind::MainEnded;
      s.m = 0;
      s.tid = it->second.tid;
      s.state = it->second.state;
      s.completed = a_.completed;
      prov.push_back(s);
      add(VerdictKind::PoisonedMain, -1, 0, nullptr, 0, std::move(prov));
    }
    for (const auto& [id, st] : ms_) {
      ThreadInfo t;
      t.m = id;
      t.tid = st.tid;
      t.role = st.role;
      t.state = st.state;
      t.end = st.wedged ? ThreadState::Wedged : st.exited ? ThreadState::Exited : ThreadState::Alive;
      t.cloned_from = st.cloned_from;
      t.via = st.via;
      a_.threads.push_back(t);
    }
  }

  scenario::Ids ids_;
  Analysis a_;
  std::map<MId, MState> ms_;
  bool strict_killed_m0_ = false;
  std::map<MId, std::pair<std::int64_t, std::size_t>> released_;  // m -> (g, verdict)
};

}  // namespace

Analysis analyze(std::span<const trace::Event> events, const scenario::Scenario& sc) {
  return Analyzer(sc).run(events);
}

Analysis analyze(std::span<const trace::Event> events, const scenario::Scenario& sc,
                 std::chrono::steady_clock::time_point until) {
  return Analyzer(sc).run(events, until);
}

bool has_verdict(const Analysis& a, VerdictKind k) {
  for (const auto& v : a.verdicts)
    if (v.kind == k) return true;
  return false;
}

std::string describe(const trace::Disagreement& d) {
  const std::string m = "m" + std::to_string(d.m) + " (tid " + std::to_string(d.tid) + ")";
  switch (d.what) {
    case trace::DisagreementKind::TaskWithoutM: return "task " + std::to_string(d.tid) + " belongs to no M";
    case trace::DisagreementKind::MWithoutTask: return m + " has no task";
    case trace::DisagreementKind::StateMismatch: {
      const char* kind = d.kind < os::kStateKinds ? os::kind_name(os::kAllKinds[d.kind]) : "?";
      return m + " is in " + kind + " " + d.seen.str() + " but the runtime thinks " + d.believed.str();
    }
  }
  return "?";
}

}  // namespace nsleak::verdict
