#include "reports/observe_timeline.hpp"

#include <map>

#include "harness/scenario/ids.hpp"
#include "reports/observe_report.hpp"

namespace nsleak::reports {
namespace {

using observe::Call;
using observe::KernelEvent;
using observe::ThreadLife;

// A state change takes effect at the call that explains it (the unshare's own box is already in
// the new namespace, as the run timeline draws it), else where a snapshot first showed it.
std::int64_t effective(const observe::StateChange& c) { return c.cause >= 0 ? c.cause : c.seq; }

// `t`'s state at kernel event `seq`; false when it was not yet seen or already gone.
bool state_at(const ThreadLife& t, std::int64_t seq, os::StateSet& out) {
  if (t.timeline.empty() || effective(t.timeline.front()) > seq) return false;
  if (t.end != observe::End::Alive && t.end_seq >= 0 && t.end_seq < seq) return false;
  for (const auto& c : t.timeline)
    if (effective(c) <= seq) out = c.state;
  return true;
}

trace::TaskRow row_of(const ThreadLife& t, trace::MId m, unsigned mask, const os::StateSet& s) {
  trace::TaskRow r;
  r.tid = t.tid;
  r.m = m;
  r.mask = mask;
  for (std::size_t k = 0; k < s.size(); ++k) r.state[k] = s[k];
  return r;
}

scenario::OpKind op_kind(Call c) {
  // The kinds the renderer never folds away in a large run: what moves a thread, and exec.
  if (c == Call::Setns) return scenario::OpKind::Setns;
  if (c == Call::Unshare) return scenario::OpKind::Unshare;
  if (observe::is_exec(c)) return scenario::OpKind::Exec;
  return scenario::OpKind::Call;
}

class Builder {
 public:
  explicit Builder(const observe::Observation& o) : o_(o), log_(o.log), a_(o.analysis) {}

  runner::RunReport build() {
    runner::RunReport r;
    std::string cmd;
    for (const auto& arg : o_.argv) cmd += (cmd.empty() ? "" : " ") + arg;
    r.scenario = cmd;
    r.file = o_.path;
    r.policy = "kernel";
    r.strategy = "none: a real program, observed";
    r.record = o_.record;
    r.kernel = log_;
    r.observed = a_;
    for (std::size_t i = 0; i < a_.threads.size(); ++i) m_of_[a_.threads[i].tid] = static_cast<trace::MId>(i);
    r.program.name = cmd;
    for (const auto& ev : log_.events) {  // one op per notified call, named as strace prints it
      scenario::Op op;
      op.kind = op_kind(ev.call);
      op.name = syscall_text(ev);
      op.label = "#" + std::to_string(ev.seq);
      r.program.main.push_back(std::move(op));
    }
    scenario::assign_ids(r.program);
    events(r);
    analysis(r);
    const bool leak = o_.found_leak();
    r.judgement.outcome = o_.record.timed_out ? verdict::Outcome::Timeout
                          : leak              ? verdict::Outcome::Fail
                                              : verdict::Outcome::Pass;
    r.judgement.reason = std::to_string(a_.findings.size()) + " finding(s) from kernel facts alone, " +
                         std::to_string(log_.events.size()) + " notified call(s), " +
                         std::to_string(a_.threads.size()) + " thread(s)";
    return r;
  }

 private:
  trace::Event& push(runner::RunReport& r, trace::Body body, double t_ms) {
    trace::Event ev;
    ev.seq = next_++;
    ev.us = static_cast<std::int64_t>(t_ms * 1000);
    ev.body = body;
    r.record.events.push_back(std::move(ev));
    return r.record.events.back();
  }

  // Every thread alive at kernel event `seq`, in its state then.
  std::vector<trace::TaskRow> rows(std::int64_t seq) const {
    std::vector<trace::TaskRow> out;
    for (const auto& t : a_.threads)
      if (os::StateSet s{}; state_at(t, seq, s)) out.push_back(row_of(t, m_of_.at(t.tid), log_.kinds_mask, s));
    return out;
  }

  void events(runner::RunReport& r) {
    r.record.events.reserve(log_.events.size() * 2 + a_.threads.size() * 2);
    std::uint32_t id = 0;
    for (const auto& ev : log_.events) {
      ++id;  // assign_ids numbers main's ops from 1, one per call
      // Threads first seen here were cloned before this call: their lane starts with the clone.
      for (const auto& t : a_.threads) {
        if (t.tid == log_.root || t.timeline.empty() || t.timeline.front().seq != ev.seq) continue;
        trace::NewM nm;
        nm.m = m_of_.at(t.tid);
        nm.tid = t.tid;
        const auto from = m_of_.find(t.created_by);
        nm.from_m = from == m_of_.end() ? trace::kNoM : from->second;
        nm.from_tid = t.created_by;
        auto& e = push(r, nm, ev.t_ms);
        e.snapshot = true;
        e.tasks.push_back(row_of(t, nm.m, log_.kinds_mask, t.timeline.front().state));
        newm_seq_[t.tid] = e.seq;
      }
      const auto m = m_of_.find(ev.tid);
      if (m == m_of_.end()) continue;  // the caller vanished before it could be placed
      trace::Op op;
      op.op = id;
      op.m = m->second;
      op.tid = ev.tid;
      auto& e = push(r, op, ev.t_ms);
      e.snapshot = true;
      e.tasks = rows(ev.seq);
      for (const auto& row : e.tasks)
        if (row.tid == ev.tid)
          for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
            if (row.has(k)) e.states.push_back(trace::OpState{k, row.state[k], {}});
      box_seq_[ev.seq] = e.seq;
      ends(r, ev);
    }
  }

  // A thread's exit ends its lane; the root's exit_group is the program's exit, a line across
  // every lane (its threads end with it).
  void ends(runner::RunReport& r, const KernelEvent& ev) {
    const bool program_exit = ev.call == Call::ExitGroup && ev.pid == log_.root;
    for (const auto& t : a_.threads)
      if (t.end != observe::End::Alive && t.end_seq == ev.seq && !(program_exit && t.pid == log_.root))
        push(r, trace::MExit{m_of_.at(t.tid), t.tid}, ev.t_ms);
    if (program_exit) push(r, trace::Exit{static_cast<std::int32_t>(ev.args[0]), m_of_.at(ev.tid)}, ev.t_ms);
  }

  void analysis(runner::RunReport& r) {
    auto& an = r.analysis;
    for (std::size_t k = 0; k < a_.origin.size(); ++k)
      if (log_.kinds_mask & (1u << k)) {
        an.origin.mask |= 1u << k;
        an.origin.value[k] = a_.origin[k];
      }
    an.completed = a_.exit_seq >= 0;
    an.steps = static_cast<long>(log_.events.size());
    for (const auto& t : a_.threads) {
      verdict::ThreadInfo info;
      info.m = m_of_.at(t.tid);
      info.tid = t.tid;
      info.role = t.tid == log_.root ? trace::MRole::M0 : trace::MRole::Startm;
      if (!t.timeline.empty()) {
        info.state.mask = log_.kinds_mask;
        for (std::size_t k = 0; k < t.timeline.back().state.size(); ++k) info.state.value[k] = t.timeline.back().state[k];
      }
      info.end = t.end == observe::End::Alive ? verdict::ThreadState::Alive : verdict::ThreadState::Exited;
      if (const auto from = m_of_.find(t.created_by); from != m_of_.end()) info.cloned_from = from->second;
      an.threads.push_back(info);
    }
    for (const auto& f : a_.findings) {  // verdict i is finding i (RunView words it)
      verdict::Verdict v;
      v.kind = f.kind;
      const auto m = m_of_.find(f.tid);
      v.m = m == m_of_.end() ? -1 : m->second;
      v.tid = f.tid;
      v.kind_index = static_cast<trace::KindIndex>(os::index(f.state_kind));  // one finding, one kind
      v.value = f.state[os::index(f.state_kind)];
      const auto nm = newm_seq_.find(f.tid);
      const auto box = box_seq_.find(f.seq);
      v.seq = f.kind == verdict::VerdictKind::InheritedClone && nm != newm_seq_.end() ? nm->second
              : box != box_seq_.end()                                              ? box->second
                                                                                   : -1;
      an.verdicts.push_back(std::move(v));
    }
  }

  const observe::Observation& o_;
  const observe::KernelLog& log_;
  const observe::TreeAnalysis& a_;
  std::map<pid_t, trace::MId> m_of_;  // lane per tid, in order of first sighting
  std::map<std::int64_t, std::int64_t> box_seq_;  // kernel seq -> its box's seq
  std::map<pid_t, std::int64_t> newm_seq_;        // tid -> its clone's seq
  std::int64_t next_ = 0;
};

}  // namespace

runner::RunReport observe_run_report(const observe::Observation& o) { return Builder(o).build(); }

}  // namespace nsleak::reports
