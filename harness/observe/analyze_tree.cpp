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
      move_processes(ev);
      judge_new_threads(ev);
      on_call(ev);
    }
    at_exit();
    return std::move(out_);
  }

 private:
  // The process-wide state of `pid` now (as of the snapshot being read).
  const os::StateSet& process(pid_t pid) const {
    const auto it = now_.find(pid);
    return it != now_.end() ? it->second : out_.origin;
  }
  // The process that forked `pid` (the root: itself).
  pid_t parent(pid_t pid) const {
    const auto it = log_.parent_of.find(pid);
    return pid == log_.root || it == log_.parent_of.end() ? pid : it->second;
  }

  // Per kind: every live thread of a process with one value that is not the process-wide one
  // moves it (the whole process moved together). A process seen for the first time starts in
  // its leader's state (else its first thread's).
  void move_processes(const KernelEvent& ev) {
    std::map<pid_t, std::vector<const TaskRow*>> by_pid;
    for (const auto& row : ev.tasks) {
      const ThreadLife* t = life(row.tid);
      if (t == nullptr || t->end != End::Alive) continue;  // exited, still in /proc: not a live thread
      by_pid[row.pid].push_back(&row);
    }
    for (const auto& [pid, rows] : by_pid) {
      if (!now_.count(pid)) {
        const TaskRow* first = rows.front();
        for (const TaskRow* r : rows)
          if (r->tid == pid) first = r;
        now_[pid] = pid == log_.root ? out_.origin : first->state;
        out_.process_start[pid] = now_[pid];
      }
      os::StateSet& p = now_[pid];
      for (os::StateKind k : os::kAllKinds) {
        const std::size_t i = os::index(k);
        if (!(log_.kinds_mask & (1u << i))) continue;
        const os::StateValue v = rows.front()->state[i];
        if (v == p[i] || !std::all_of(rows.begin(), rows.end(), [&](const TaskRow* r) { return r->state[i] == v; }))
          continue;
        p[i] = v;
        out_.moves.push_back(ProcessMove{ev.seq, pid, k, v});
      }
    }
  }

  void judge_new_threads(const KernelEvent& ev) {
    for (pid_t tid : new_threads_) {
      const ThreadLife* t = life(tid);
      const TaskRow* row = row_of(ev, tid);
      if (t != nullptr && row != nullptr && !t->leader)
        add(VerdictKind::InheritedClone, *t, t->created_by, ev.seq, row->state, process(row->pid));
    }
    new_threads_.clear();
  }

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
      if (ThreadLife* own = life(row.tid); own != nullptr && own->end == End::Alive && row.fs_shared == false &&
                                           own->own_fs_since < 0)
        own->own_fs_since = ev.seq;
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
        if (row.fs_shared == false) t->own_fs_since = ev.seq;
        if (row.tid != log_.root) attribute(*t, row);
        new_threads_.push_back(row.tid);  // judged once the process-wide values have moved
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
    if (changes_state(ev.call))
      if (const pid_t target = target_tid(ev); target != 0) pending_call_[target] = ev.seq;
    if (creates_task(ev.call)) {
      PendingClone c{ev.tid, me->state, std::nullopt};
      if (ev.flags) c.thread = (*ev.flags & CLONE_THREAD) != 0;
      pending_[me->pid].push_back(c);
    }
    // Against the process-wide state of the program that forked it (the root's own for the root).
    const os::StateSet& against = process(parent(me->pid));
    if (is_exec(ev.call) && dirty_kinds(me->state, against, log_.kinds_mask) != 0 && exec_finding_.count(me->pid)) {
      // execvp tries each PATH entry: one process, one finding per kind, at its last attempt
      // (the one that ran, when it ran).
      for (std::size_t i : exec_finding_[me->pid]) {
        out_.findings[i].seq = ev.seq;
        out_.findings[i].tid = ev.tid;
      }
    } else if (is_exec(ev.call) && dirty_kinds(me->state, against, log_.kinds_mask) != 0) {
      const std::size_t first = out_.findings.size();
      // A forked child that execs in the state it started in got it from its creator thread;
      // one that moved itself since is its own source.
      const bool as_born = t->timeline.size() == 1;
      const pid_t from = (t->leader && t->created_by != 0 && as_born) ? t->created_by : ev.tid;
      add(VerdictKind::ExecInherited, *t, from, ev.seq, me->state, against);
      for (std::size_t i = first; i < out_.findings.size(); ++i) exec_finding_[me->pid].push_back(i);
    }
    if (ev.call == Call::Exit) {
      t->end = End::Exit;
      t->end_seq = ev.seq;
      add(VerdictKind::ThreadExited, *t, 0, ev.seq, me->state, process(me->pid));
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
    const os::StateSet p = out_.process_state(log_.root, at->seq);
    for (const auto& row : at->tasks) {
      if (row.pid != log_.root) continue;
      const ThreadLife* t = life(row.tid);
      if (t == nullptr || t->end == End::Exit) continue;  // exited before: judged at its exit
      add(row.tid == log_.root ? VerdictKind::PoisonedMain : VerdictKind::DirtyAtExit, *t, 0, at->seq, row.state, p);
    }
  }

  // Verdict `k` for each kind in which `s` differs from the process-wide state `against`.
  void add(VerdictKind k, const ThreadLife& t, pid_t from, std::int64_t seq, const os::StateSet& s,
           const os::StateSet& against) {
    const unsigned dirty = dirty_kinds(s, against, log_.kinds_mask);
    for (os::StateKind kind : os::kAllKinds)
      if (dirty & (1u << os::index(kind)))
        out_.findings.push_back(Finding{k, t.pid, t.tid, from, seq, kind, against[os::index(kind)], s});
  }

  const KernelLog& log_;
  TreeAnalysis out_;
  bool origin_set_ = false;
  std::map<pid_t, std::size_t> index_;
  std::map<pid_t, std::vector<PendingClone>> pending_;  // by the creating process
  std::map<pid_t, std::int64_t> pending_call_;          // tid -> its last setns/unshare not yet seen to act
  std::map<pid_t, std::vector<std::size_t>> exec_finding_;  // pid -> its exec-inherited findings
  std::map<pid_t, os::StateSet> now_;  // each process's process-wide state as of the last snapshot
  std::vector<pid_t> new_threads_;     // first seen in this snapshot
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

os::StateSet TreeAnalysis::process_state(pid_t pid, std::int64_t seq) const {
  const auto start = process_start.find(pid);
  os::StateSet s = start != process_start.end() ? start->second : origin;
  for (const auto& m : moves)
    if (m.pid == pid && m.seq <= seq) s[os::index(m.kind)] = m.value;
  return s;
}

}  // namespace nsleak::observe
