// analyze: replay the event trace, tracking each M's namespace as the kernel reported it and
// *why* it is in that state (its provenance chain), and raise a verdict wherever the taxonomy
// says a leak became possible or was observed.
#include <csignal>
#include <cstring>
#include <map>
#include <set>

#include "harness/verdict/verdict.hpp"

namespace nsleak::verdict {
namespace {

using nlohmann::json;

struct MState {
  pid_t tid = 0;
  std::string role;
  KindValues state;  // per kind, from the latest snapshot
  bool exited = false, wedged = false;
  std::int64_t cloned_from = -1;
  std::string via;
  std::vector<std::string> chain;  // why the thread is in `state`
};

std::string mdesc(std::int64_t m, pid_t tid) {
  return "m" + std::to_string(m) + " (tid " + std::to_string(tid) + ")";
}

std::string gdesc(const json& ev) {
  return "g" + std::to_string(ev.value("g", -1L)) + ":" + ev.value("fn", std::string("?"));
}

std::string where(const json& ev) {
  return ev.value("label", std::string("?")) + " (line " + std::to_string(ev.value("line", 0)) + ")";
}

class Analyzer {
 public:
  Analysis run(const sandbox::RunRecord& rec) {
    for (const auto& ev : rec.events) on_event(ev);
    finish();
    return std::move(a_);
  }

 private:
  // Outside origin in any observed kind.
  bool dirty(const MState& m) const {
    for (auto k : os::kAllKinds) {
      const auto i = os::index(k);
      if (!m.state[i].empty() && (k == kPrimaryKind || !a_.origins[i].empty()) && m.state[i] != a_.origins[i])
        return true;
    }
    return false;
  }
  // "net X", then every other kind that differs from origin: "net X, uts Y".
  std::string state_of(const MState& m) const {
    std::string s = std::string(os::kind_name(kPrimaryKind)) + " " + primary(m.state);
    for (auto k : os::kAllKinds) {
      const auto i = os::index(k);
      if (k != kPrimaryKind && !a_.origins[i].empty() && m.state[i] != a_.origins[i])
        s += std::string(", ") + os::kind_name(k) + " " + m.state[i];
    }
    return s;
  }

  Verdict& add(VerdictKind k, std::int64_t g, std::int64_t m, const json& ev, std::string summary,
               std::vector<std::string> prov) {
    // One verdict per (kind, g, m): repeats only count.
    for (auto& v : a_.verdicts)
      if (v.kind == k && v.g == g && v.m == m) {
        ++v.occurrences;
        return v;
      }
    Verdict v;
    v.kind = k;
    v.g = g;
    v.m = m;
    v.tid = m >= 0 ? ms_[m].tid : 0;
    v.ns = m >= 0 ? primary(ms_[m].state) : "";
    v.op = ev.value("label", std::string());
    v.seq = ev.value("seq", -1L);
    v.summary = std::move(summary);
    v.provenance = std::move(prov);
    a_.verdicts.push_back(std::move(v));
    return a_.verdicts.back();
  }

  // A snapshot: update every M's state and explain every change.
  void observe(const json& ev) {
    for (const auto& row : ev["tasks"]) {
      if (!row.contains("m")) continue;
      const auto m = row["m"].get<std::int64_t>();
      MState& st = ms_[m];
      st.tid = row.value("tid", 0);
      const bool first = primary(st.state).empty();
      bool changed = false;
      for (auto k : os::kAllKinds) {
        const std::string seen = row.value(os::kind_name(k), std::string());
        if (seen.empty()) continue;  // a kind the run does not observe
        changed = changed || seen != st.state[os::index(k)];
        st.state[os::index(k)] = seen;
      }
      changed = changed && !first;
      if (first) {
        on_first_sight(m, st, ev);
      } else if (changed) {
        on_change(m, st, ev);
      }
    }
  }

  void on_first_sight(std::int64_t m, MState& st, const json& ev) {
    if (ev.value("ev", "") == "start") {
      a_.origins = st.state;
      st.role = "m0";
      return;
    }
    if (ev.value("ev", "") != "newm" || ev.value("m", -1L) != m) return;
    st.role = ev.value("role", std::string());
    st.cloned_from = ev.value("from_m", -1L);
    st.via = ev.value("via", std::string());
    if (!dirty(st)) return;
    const MState& parent = ms_[st.cloned_from];
    st.chain = parent.chain;
    st.chain.push_back("newm (" + st.role + ") cloned " + mdesc(m, st.tid) + " from " +
                       mdesc(st.cloned_from, parent.tid) + " via " + st.via +
                       ": the new thread inherited " + state_of(st));
    add(VerdictKind::InheritedClone, -1, m, ev,
        mdesc(m, st.tid) + " started life in " + state_of(st) + " because it was cloned from " +
            mdesc(st.cloned_from, parent.tid),
        st.chain);
  }

  void on_change(std::int64_t m, MState& st, const json& ev) {
    if (!dirty(st)) {
      st.chain.clear();
      return;
    }
    const std::string op = ev.value("op", std::string());
    if (ev.value("ev", "") == "op" && ev.value("m", -1L) == m && (op == "unshare" || op == "setns")) {
      st.chain = {op + " at " + where(ev) + " by " + gdesc(ev) + " on " + mdesc(m, st.tid) +
                  " moved the thread to " + state_of(st)};
      return;
    }
    st.chain.push_back("changed to " + state_of(st) + " during event " + ev.value("ev", "?") +
                       " #" + std::to_string(ev.value("seq", -1L)) + " (no op explains it)");
  }

  void on_event(const json& ev) {
    const std::string kind = ev.value("ev", "");
    if (ev.contains("tasks")) observe(ev);
    if (kind == "op") return on_op(ev);
    if (kind == "choice") ++a_.choices;
    if (kind == "gexit") return on_gexit(ev);
    if (kind == "mexit") return on_thread_end(ev, "exited with its locked goroutine");
    // On M0 the kill becomes a wedge, reported by the "wedge" event that follows.
    if (kind == "strict-unlock-kill" && ev.value("m", -1L) == 0) strict_killed_m0_ = true;
    if (kind == "strict-unlock-kill" && ev.value("m", -1L) != 0)
      return on_thread_end(ev, "was killed by strict-unlock: its state differs from lock time");
    if (kind == "wedge") return on_wedge(ev);
    if (kind == "exit") a_.completed = true;
    if (kind == "disagreement") {
      for (const auto& p : ev["problems"]) a_.disagreements.push_back(p.get<std::string>());
      a_.internal_error = true;
    }
    if (kind == "fault") {
      a_.fault = ev.value("message", std::string());
      a_.internal_error = a_.internal_error || ev.value("kind", "") == "throw";
    }
  }

  void on_op(const json& ev) {
    ++a_.steps;
    const auto m = ev.value("m", -1L);
    const auto g = ev.value("g", -1L);
    MState& st = ms_[m];
    // A released dirty thread that another goroutine now runs on: the poison is observed.
    if (auto it = released_.find(m); it != released_.end()) {
      if (dirty(st) && it->second.first != g) {
        Verdict& v = a_.verdicts[it->second.second];
        if (v.provenance.back().rfind("observed", 0) != 0)
          v.provenance.push_back("observed by " + gdesc(ev) + " at " + where(ev) + ", running on " +
                                 mdesc(m, st.tid) + " in " + state_of(st));
      }
      if (!dirty(st)) released_.erase(it);
    }
    const std::string op = ev.value("op", "");
    if (op == "unlock" && ev.value("released", false) && dirty(st)) {
      auto prov = st.chain;
      prov.push_back("UnlockOSThread at " + where(ev) + " by " + gdesc(ev) + " returned " +
                     mdesc(m, st.tid) + " to the pool while in " + state_of(st));
      add(VerdictKind::PoisonedThread, g, m, ev,
          mdesc(m, st.tid) + " was unlocked in " + state_of(st) + "; any goroutine may now run on it",
          prov);
      released_[m] = {g, a_.verdicts.size() - 1};
    }
    if (op == "exec") on_exec(ev, m, st);
    if (ev.value("observe", false)) on_observation(ev, m, st);
  }

  void on_exec(const json& ev, std::int64_t m, const MState& st) {
    const std::string child = ev.value("child_ns", std::string());
    if (child.empty() || child == primary(a_.origins)) return;
    auto prov = st.chain;
    prov.push_back("exec at " + where(ev) + " by " + gdesc(ev) + " forked from " +
                   mdesc(m, st.tid) + ": the child process started in net " + child);
    Verdict& v = add(VerdictKind::ExecInherited, ev.value("g", -1L), m, ev,
                     "a process exec'd by " + gdesc(ev) + " inherited net " + child +
                         " from its calling thread",
                     prov);
    v.ns = child;
  }

  void on_observation(const json& ev, std::int64_t m, const MState& st) {
    const auto g = ev.value("g", -1L);
    const json& now = ev["ns"];
    const json& belief = ev["belief"];
    const bool inherit = ev.value("inherit", false);
    for (const auto& [kind, val] : now.items()) {
      const std::string want = belief.value(kind, std::string());
      if (want.empty() || val.get<std::string>() == want) continue;
      auto prov = st.chain;
      if (inherit) {
        prov.push_back(gdesc(ev) + " was spawned with inherit:true, expecting " + kind + " " + want +
                       " (its spawner's namespace); the runtime never copies a lock or a thread "
                       "to a new goroutine");
        prov.push_back(ev.value("op", "") + " at " + where(ev) + " ran on " + mdesc(m, st.tid) +
                       " in " + kind + " " + val.get<std::string>());
        add(VerdictKind::LostInheritance, g, m, ev,
            gdesc(ev) + " expected to run in " + kind + " " + want + " but ran in " + kind + " " +
                val.get<std::string>(),
            prov);
      } else {
        prov.push_back(gdesc(ev) + " believes it is in " + kind + " " + want + " but " +
                       ev.value("op", "") + " at " + where(ev) + " ran on " + mdesc(m, st.tid) +
                       " in " + kind + " " + val.get<std::string>());
        add(VerdictKind::StaleBelief, g, m, ev,
            gdesc(ev) + " observed " + kind + " " + val.get<std::string>() + " while believing " + want,
            prov);
      }
    }
    if (ev.value("op", "") == "expect" && !ev.value("match", true)) {
      auto prov = st.chain;
      prov.push_back(gdesc(ev) + " expected \"" + ev.value("is", std::string()) + "\" (" +
                     ev.value("expected", std::string()) + ") at " + where(ev) + " but " +
                     mdesc(m, st.tid) + " is in " + ev.value("observed", std::string()));
      add(VerdictKind::StaleBelief, g, m, ev,
          gdesc(ev) + " expected " + ev.value("is", std::string()) + " but observed " +
              ev.value("observed", std::string()),
          prov);
    }
  }

  void on_gexit(const json& ev) {
    const auto m = ev.value("m", -1L);
    MState& st = ms_[m];
    if (ev.value("fate", "") != "pool" || !dirty(st)) return;
    auto prov = st.chain;
    prov.push_back("g" + std::to_string(ev.value("g", -1L)) + " exited while locked; the runtime " +
                   "dropped the lock and returned " + mdesc(m, st.tid) + " to the pool in " +
                   state_of(st) + " (#20395)");
    add(VerdictKind::PoisonedThread, ev.value("g", -1L), m, ev,
        mdesc(m, st.tid) + " returned to the pool in " + state_of(st) + " after a locked exit", prov);
    released_[m] = {ev.value("g", -1L), a_.verdicts.size() - 1};
  }

  void on_thread_end(const json& ev, const std::string& how) {
    const auto m = ev.value("m", -1L);
    MState& st = ms_[m];
    st.exited = true;
    if (!dirty(st)) return;
    auto prov = st.chain;
    prov.push_back(mdesc(m, st.tid) + " " + how + "; no goroutine can observe " + state_of(st));
    add(VerdictKind::ThreadExited, ev.value("g", -1L), m, ev,
        "dirty thread " + mdesc(m, st.tid) + " terminated in " + state_of(st), prov);
  }

  void on_wedge(const json& ev) {
    const auto m = ev.value("m", -1L);
    MState& st = ms_[m];
    st.wedged = true;
    auto prov = st.chain;
    prov.push_back(std::string(strict_killed_m0_ ? "strict-unlock found M0 dirty at unlock" : "a goroutine exited locked on " + mdesc(m, st.tid)) +
                   "; M0 cannot exit, so it handed off its P and parks forever in " + state_of(st));
    add(VerdictKind::WedgedM0, -1, m, ev, "M0 is wedged in " + state_of(st), prov);
  }

  void finish() {
    const auto it = ms_.find(0);
    if (it != ms_.end() && dirty(it->second)) {
      auto prov = it->second.chain;
      prov.push_back(std::string(a_.completed ? "main returned" : "the run ended") + " with " +
                     mdesc(0, it->second.tid) +
                     " — the thread-group leader, whose namespaces /proc/<pid>/ns/* show — in " +
                     state_of(it->second));
      add(VerdictKind::PoisonedMain, -1, 0, json::object(),
          "the original program has been poisoned: M0 ends in " + state_of(it->second), prov);
    }
    for (const auto& [id, st] : ms_) {
      ThreadInfo t;
      t.m = id;
      t.tid = st.tid;
      t.role = st.role;
      t.values = st.state;
      t.state = st.wedged ? "wedged" : st.exited ? "exited" : "alive";
      t.cloned_from = st.cloned_from;
      t.via = st.via;
      a_.threads.push_back(t);
    }
  }

  Analysis a_;
  std::map<std::int64_t, MState> ms_;
  bool strict_killed_m0_ = false;
  std::map<std::int64_t, std::pair<std::int64_t, std::size_t>> released_;  // m -> (g, verdict)
};

}  // namespace

Analysis analyze(const sandbox::RunRecord& rec) { return Analyzer().run(rec); }

bool has_verdict(const Analysis& a, VerdictKind k) {
  for (const auto& v : a.verdicts)
    if (v.kind == k) return true;
  return false;
}

}  // namespace nsleak::verdict
