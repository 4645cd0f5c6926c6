#include "harness/observe/analyze_tree.hpp"

#include <linux/sched.h>

#include <algorithm>
#include <map>

namespace nsleak::observe {
namespace {

using verdict::VerdictKind;

// A clone whose new task has not been seen yet.
struct PendingClone {
  pid_t tid = 0;
  os::StateSet state{};
  std::optional<bool> thread;  // CLONE_THREAD; unknown when clone3's flags could not be read
};

class Analyzer {
 public:
  explicit Analyzer(const KernelLog& log) : log_(log) {}

  TreeAnalysis run() {
    for (const auto& ev : log_.events) {
      if (!origin_set_) take_origin(ev);
      see(ev);
      on_call(ev);
    }
    at_exit();
    return std::move(out_);
  }

 private:
  bool dirty(const os::StateSet& s) const { return dirty_kinds(s, out_.origin, log_.kinds_mask) != 0; }

  void take_origin(const KernelEvent& ev) {
    for (const auto& row : ev.tasks)
      if (row.tid == log_.root) {
        out_.origin = row.state;
        origin_set_ = true;
      }
  }

  ThreadLife* life(pid_t tid) {
    const auto it = index_.find(tid);
    return it == index_.end() ? nullptr : &out_.threads[it->second];
  }

  // Who cloned a task first seen as `row`: a new process's parent made it with a process clone,
  // a new thread's process with a thread clone. Several pending: the one whose state the new
  // task started in (a new task's first sighting is its inherited state: its own calls stop it
  // before they run).
  void attribute(ThreadLife& t, const TaskRow& row) {
    const bool new_process = row.tid == row.pid;
    pid_t from = row.pid;
    if (new_process) {
      const auto p = log_.parent_of.find(row.pid);
      if (p == log_.parent_of.end()) return;
      from = p->second;
    }
    auto& pending = pending_[from];
    std::vector<std::size_t> fits;
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (!pending[i].thread || *pending[i].thread == !new_process) fits.push_back(i);
    if (fits.empty()) return;
    std::size_t pick = fits[0];
    std::size_t same_state = 0;
    for (std::size_t i : fits)
      if (pending[i].state == row.state) {
        if (same_state++ == 0) pick = i;
      }
    t.created_by = pending[pick].tid;
    t.creator_certain = fits.size() == 1 || same_state == 1;
    pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pick));
  }

  void see(const KernelEvent& ev) {
    std::map<pid_t, bool> present;
    for (const auto& row : ev.tasks) {
      present[row.tid] = true;
      ThreadLife* t = life(row.tid);
      if (t == nullptr || t->end != End::Alive) {
        if (t != nullptr) continue;  // exited, not yet reaped from /proc: no new facts
        index_[row.tid] = out_.threads.size();
        out_.threads.push_back(ThreadLife{});
        t = &out_.threads.back();
        t->pid = row.pid;
        t->tid = row.tid;
        t->leader = row.tid == row.pid;
        t->timeline.push_back(StateChange{ev.seq, row.state, -1});
        if (row.tid != log_.root) attribute(*t, row);
        if (!t->leader && dirty(row.state))
          add(VerdictKind::InheritedClone, *t, t->created_by, ev.seq, row.state);
        continue;
      }
      if (t->timeline.back().state != row.state) {
        std::int64_t cause = -1;
        if (const auto it = pending_call_.find(row.tid); it != pending_call_.end()) {
          cause = it->second;
          pending_call_.erase(it);
        }
        t->timeline.push_back(StateChange{ev.seq, row.state, cause});
      }
    }
    for (auto& t : out_.threads)
      if (t.end == End::Alive && !present.count(t.tid)) {
        t.end = End::Vanished;  // killed by a sibling's exec or exit_group, or a signal
        t.end_seq = ev.seq;
      }
  }

  const TaskRow* row_of(const KernelEvent& ev, pid_t tid) const {
    for (const auto& row : ev.tasks)
      if (row.tid == tid) return &row;
    return nullptr;
  }

  void on_call(const KernelEvent& ev) {
    const TaskRow* me = row_of(ev, ev.tid);
    ThreadLife* t = life(ev.tid);
    if (me == nullptr || t == nullptr) return;  // vanished before it could be read
    if (changes_state(ev.call)) pending_call_[ev.tid] = ev.seq;
    if (creates_task(ev.call)) {
      PendingClone c{ev.tid, me->state, std::nullopt};
      if (ev.flags) c.thread = (*ev.flags & CLONE_THREAD) != 0;
      pending_[me->pid].push_back(c);
    }
    if (is_exec(ev.call) && dirty(me->state) && exec_finding_.count(me->pid)) {
      // execvp tries each PATH entry: one process, one finding, at its last attempt (the one
      // that ran, when it ran).
      Finding& f = out_.findings[exec_finding_[me->pid]];
      f.seq = ev.seq;
      f.tid = ev.tid;
    } else if (is_exec(ev.call) && dirty(me->state)) {
      exec_finding_[me->pid] = out_.findings.size();
      // A forked child that execs in the state it started in got it from its creator thread;
      // one that moved itself since is its own source.
      const bool as_born = t->timeline.size() == 1;
      const pid_t from = (t->leader && t->created_by != 0 && as_born) ? t->created_by : ev.tid;
      add(VerdictKind::ExecInherited, *t, from, ev.seq, me->state);
    }
    if (ev.call == Call::Exit) {
      t->end = End::Exit;
      t->end_seq = ev.seq;
      if (dirty(me->state)) add(VerdictKind::ThreadExited, *t, 0, ev.seq, me->state);
    }
    if (ev.call == Call::ExitGroup) {
      if (me->pid == log_.root && out_.exit_seq < 0) out_.exit_seq = ev.seq;
      for (const auto& row : ev.tasks)
        if (row.pid == me->pid)
          if (ThreadLife* o = life(row.tid); o != nullptr && o->end == End::Alive) {
            o->end = End::ExitGroup;
            o->end_seq = ev.seq;
          }
    }
  }

  // At the program's exit (the root's exit_group; else the last time the root was seen):
  // the leader dirty is poisoned-main, any other thread of the program dirty is dirty-at-exit
  // (namspill's check, which the leader's own verdict already covers).
  void at_exit() {
    const KernelEvent* at = nullptr;
    if (out_.exit_seq >= 0) at = &log_.events[static_cast<std::size_t>(out_.exit_seq)];
    for (auto it = log_.events.rbegin(); at == nullptr && it != log_.events.rend(); ++it)
      if (row_of(*it, log_.root) != nullptr) {
        at = &*it;
        out_.exit_seq = it->seq;
      }
    if (at == nullptr) return;
    for (const auto& row : at->tasks) {
      if (row.pid != log_.root || !dirty(row.state)) continue;
      const ThreadLife* t = life(row.tid);
      if (t == nullptr) continue;
      add(row.tid == log_.root ? VerdictKind::PoisonedMain : VerdictKind::DirtyAtExit, *t, 0, at->seq, row.state);
    }
  }

  void add(VerdictKind k, const ThreadLife& t, pid_t from, std::int64_t seq, const os::StateSet& s) {
    out_.findings.push_back(Finding{k, t.pid, t.tid, from, seq, s});
  }

  const KernelLog& log_;
  TreeAnalysis out_;
  bool origin_set_ = false;
  std::map<pid_t, std::size_t> index_;
  std::map<pid_t, std::vector<PendingClone>> pending_;  // by the creating process
  std::map<pid_t, std::int64_t> pending_call_;          // tid -> its last setns/unshare not yet seen to act
  std::map<pid_t, std::size_t> exec_finding_;  // pid -> its exec-inherited finding
};

}  // namespace

const char* end_name(End e) {
  static const char* names[] = {"alive", "exit", "exit_group", "vanished"};
  return names[static_cast<std::size_t>(e)];
}

unsigned dirty_kinds(const os::StateSet& s, const os::StateSet& origin, unsigned mask) {
  unsigned out = 0;
  for (os::StateKind k : os::kAllKinds)
    if ((mask & (1u << os::index(k))) && s[os::index(k)] != origin[os::index(k)]) out |= 1u << os::index(k);
  return out;
}

TreeAnalysis analyze_tree(const KernelLog& log) { return Analyzer(log).run(); }

}  // namespace nsleak::observe
