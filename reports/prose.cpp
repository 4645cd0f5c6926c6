#include "reports/prose.hpp"

#include <algorithm>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/trace/names.hpp"

namespace nsleak::reports {

std::string counted(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

using verdict::ProvStep;
using verdict::StepKind;
using verdict::VerdictKind;

std::string mdesc(std::int64_t m, std::int32_t tid) {
  return "m" + std::to_string(m) + " (tid " + std::to_string(tid) + ")";
}

std::string Prose::state(const verdict::StateSet& s) const {
  // The network namespace always (the hazard's first kind), any other kind where it differs
  // from origin.
  const auto net = static_cast<trace::KindIndex>(os::index(os::StateKind::Net));
  std::string out = id(net, s.value[net]);
  const auto& origin = r_.analysis.origin;
  for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
    if (k != net && s.has(k) && origin.has(k) && s.value[k] != origin.value[k])
      out += ", " + id(k, s.value[k]);
  return out;
}

std::string Prose::where(const ProvStep& s) const {
  return names_.label(s.op) + " (line " + std::to_string(names_.line(s.op)) + ")";
}

std::string Prose::event_kind(std::int64_t seq) const {
  for (const auto& ev : r_.record.events)
    if (ev.seq == seq) return trace::event_name(ev.body);
  return "?";
}

std::string Prose::step(const ProvStep& s) const {
  const std::string m = mdesc(s.m, s.tid);
  const std::string g = names_.glabel(s.g);
  switch (s.kind) {
    case StepKind::MovedByOp:
      return names_.op_name(s.op) + " at " + where(s) + " by " + g + " on " + m + " moved the thread to " + state(s.state);
    case StepKind::Unexplained:
      return "changed to " + state(s.state) + " during event " + event_kind(s.seq) + " #" + std::to_string(s.seq) +
             " (no op explains it)";
    case StepKind::Cloned:
      return std::string("newm (") + trace::role_name(s.role) + ") cloned " + m + " from " + mdesc(s.other_m, s.other_tid) +
             " via " + trace::via_name(s.via) + ": the new thread inherited " + state(s.state);
    case StepKind::Unlocked:
      return "UnlockOSThread at " + where(s) + " by " + g + " returned " + m + " to the pool while in " + state(s.state);
    case StepKind::ObservedBy:
      return "observed by " + g + " at " + where(s) + ", running on " + m + " in " + state(s.state);
    case StepKind::LockedExitToPool:
      return "g" + std::to_string(s.g) + " exited while locked; the runtime dropped the lock and returned " + m +
             " to the pool in " + state(s.state) + " (#20395)";
    case StepKind::ExecForked:
      return "exec at " + where(s) + " by " + g + " forked from " + m + ": the child process started in " +
             id(s.kind_index, s.value);
    case StepKind::SpawnedInherit:
      return g + " was spawned with inherit:true, expecting " + id(s.kind_index, s.value) +
             " (its spawner's namespace); the runtime never copies a lock or a thread to a new goroutine";
    case StepKind::RanIn:
      return names_.op_name(s.op) + " at " + where(s) + " ran on " + m + " in " + id(s.kind_index, s.other);
    case StepKind::BelievedButRan:
      return g + " believes it is in " + id(s.kind_index, s.value) + " but " + names_.op_name(s.op) + " at " + where(s) +
             " ran on " + m + " in " + id(s.kind_index, s.other);
    case StepKind::ExpectedButWas: {
      const scenario::Op* o = names_.op(s.op);
      return g + " expected \"" + (o != nullptr ? o->name : "?") + "\" (" + id(s.kind_index, s.value) + ") at " + where(s) + " but " + m +
             " is in " + id(s.kind_index, s.other);
    }
    case StepKind::ThreadEnded:
      return m + (s.strict ? " was killed by strict-unlock: its state differs from lock time" : " exited with its locked goroutine") +
             "; no goroutine can observe " + state(s.state);
    case StepKind::Wedged:
      return std::string(s.strict ? "strict-unlock found M0 dirty at unlock" : "a goroutine exited locked on " + m) +
             "; M0 cannot exit, so it handed off its P and parks forever in " + state(s.state);
    case StepKind::PolledToMax:
      return "until at " + where(s) + " by " + g + " on " + mdesc(s.other_m, s.other_tid) + " checked " +
             std::to_string(s.value.minor) + " times, its max: " + m +
             " was still there every time (/proc/self/task/<tid> present, not a zombie)";
    case StepKind::MainEnded:
      return std::string(s.completed ? "main returned" : "the run ended") + " with " + m +
             " — the thread-group leader, whose namespaces /proc/<pid>/ns/* show — in " + state(s.state);
  }
  return "?";
}

std::string Prose::goroutines(const verdict::Verdict& v) {
  std::vector<std::int64_t> ids;
  for (const auto& share : v.goroutines) ids.push_back(share.g);
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    out += (out.empty() ? "g" : ", g") + std::to_string(ids[i]);
    if (j > i) out += "-g" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

std::string Prose::summary(const verdict::Verdict& v) const {
  static const ProvStep none;
  const ProvStep& s = v.cause < v.provenance.size() ? v.provenance[v.cause] : none;
  const std::string m = mdesc(s.m, s.tid);
  const std::string g = names_.glabel(s.g);
  switch (v.kind) {
    case VerdictKind::InheritedClone:
      return m + " started life in " + state(s.state) + " because it was cloned from " + mdesc(s.other_m, s.other_tid);
    case VerdictKind::PoisonedThread:
      if (s.kind == StepKind::LockedExitToPool) return m + " returned to the pool in " + state(s.state) + " after a locked exit";
      return m + " was unlocked in " + state(s.state) + "; any goroutine may now run on it";
    case VerdictKind::ExecInherited:
      return "a process exec'd by " + g + " inherited " + id(s.kind_index, s.value) + " from its calling thread";
    case VerdictKind::LostInheritance:
      return g + " expected to run in " + id(s.kind_index, s.value) + " but ran in " + id(s.kind_index, s.other);
    case VerdictKind::StaleBelief:
      if (s.kind == StepKind::ExpectedButWas) {
        const scenario::Op* o = names_.op(s.op);
        return g + " expected " + (o != nullptr ? o->name : "?") + " but observed " + id(s.kind_index, s.other);
      }
      return g + " observed " + id(s.kind_index, s.other) + " while believing " + id(s.kind_index, s.value);
    case VerdictKind::ThreadExited:
      return "dirty thread " + m + " terminated in " + state(s.state);
    case VerdictKind::WedgedM0:
      return "M0 is wedged in " + state(s.state);
    case VerdictKind::PoisonedMain:
      return "the original program has been poisoned: M0 ends in " + state(s.state);
    case VerdictKind::DirtyAtExit:  // raised by `nsleak observe` only; the model has no such step
      return m + " was still in " + state(s.state) + " when the program exited";
    case VerdictKind::UntilMax:
      return m + " was still running after the until at " + where(s) + " ran its " + std::to_string(s.value.minor) +
             " passes";
  }
  return "?";
}

namespace {

std::string list_of(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + v[i];
  return out;
}

}  // namespace

std::string flip_sentence(const explore::FlipPoint& f, const explore::Outcome& with) {
  std::string s = "if ";
  const std::string at = " at " + f.point;
  switch (f.kind) {
    case trace::ChoiceKind::RunM: s += f.instead + " instead of " + f.chosen + " had run next" + at; break;
    case trace::ChoiceKind::PickG:
      s += (f.by.empty() ? std::string("its thread") : f.by) + " had taken " + f.instead + " instead of " + f.chosen + at;
      break;
    case trace::ChoiceKind::Preempt:
      s += (f.op_g.empty() ? std::string("the goroutine") : f.op_g) + " had got " + f.instead + " instead of " + f.chosen + at;
      break;
    default: s += "the choice had been " + f.instead + " instead of " + f.chosen + at; break;
  }
  // What changes: observations that disappear or appear, verdicts that go or come.
  std::vector<std::string> changes;
  const auto& w = f.without;
  for (const auto& [fn, names] : with.seen) {
    const auto it = w.seen.find(fn);
    for (const auto& n : names)
      if (it == w.seen.end() || it->second.count(n) == 0) changes.push_back("no " + fn + " goroutine observes " + n);
  }
  for (const auto& [fn, names] : w.seen) {
    const auto it = with.seen.find(fn);
    for (const auto& n : names)
      if (it == with.seen.end() || it->second.count(n) == 0) changes.push_back("a " + fn + " goroutine observes " + n);
  }
  std::vector<std::string> gone, come;
  for (const auto& v : with.verdicts)
    if (!w.has(v)) gone.push_back(v);
  for (const auto& v : w.verdicts)
    if (!with.has(v)) come.push_back(v);
  if (!gone.empty()) changes.push_back("no " + list_of(gone));
  if (!come.empty()) changes.push_back(list_of(come) + " instead");
  if (with.end != w.end) changes.push_back(w.end.empty() ? "main returns normally" : "the run ends: " + w.end);
  if (changes.empty()) return s + ", the run shows " + w.text();
  return s + ", " + list_of(changes);
}

std::string ObserveProse::thread(pid_t pid, pid_t tid) {
  if (pid == tid) return "main thread " + std::to_string(tid) + " (pid " + std::to_string(pid) + ")";
  return "thread " + std::to_string(tid) + " (pid " + std::to_string(pid) + ")";
}

std::string ObserveProse::state(const os::StateSet& s, pid_t pid, std::int64_t seq) const {
  const os::StateSet p = a_.process_state(pid, seq);
  const unsigned dirty = observe::dirty_kinds(s, p, log_.kinds_mask);
  if (dirty == 0) return p == a_.origin ? "origin" : "its process's state";
  std::string out;
  for (os::StateKind k : os::kAllKinds)
    if (dirty & (1u << os::index(k)))
      out += (out.empty() ? "" : ", ") + kernel_id(static_cast<trace::KindIndex>(os::index(k)), s[os::index(k)]);
  return out;
}

std::string ObserveProse::move(const observe::ProcessMove& m) const {
  return "#" + std::to_string(m.seq) + " every thread of pid " + std::to_string(m.pid) + " was in " +
         kernel_id(static_cast<trace::KindIndex>(os::index(m.kind)), m.value) +
         ": the process moved as a whole (its " + os::info(m.kind).display + " from then on)";
}

std::string ObserveProse::summary(const observe::Finding& f) const {
  const std::string who = thread(f.pid, f.tid);
  const std::string from = f.from_tid != 0 ? "thread " + std::to_string(f.from_tid) : "an unidentified thread";
  const auto k = static_cast<trace::KindIndex>(os::index(f.state_kind));
  // The offending value of the finding's own kind, and the process-wide value it differs from.
  const std::string value = kernel_id(k, f.state[os::index(f.state_kind)]) + " (its process: " +
                            kernel_id(k, f.process_value) + ")";
  switch (f.kind) {
    case VerdictKind::InheritedClone:
      return who + " started life in " + value + " because it was cloned from " + from;
    case VerdictKind::PoisonedMain:
      return "the original program has been poisoned: its " + who + " ends in " + value;
    case VerdictKind::ExecInherited: {
      const auto& ev = log_.events[static_cast<std::size_t>(f.seq)];
      return "pid " + std::to_string(f.pid) + " exec'd " + (ev.target.empty() ? "a program" : "\"" + ev.target + "\"") +
             " in " + kernel_id(k, f.state[os::index(f.state_kind)]) + " (the program that forked it: " +
             kernel_id(k, f.process_value) + "), inherited from " + (f.from_tid == f.tid ? "its own thread" : from);
    }
    case VerdictKind::ThreadExited:
      return "dirty " + who + " exited in " + value;
    case VerdictKind::DirtyAtExit:
      return who + " was still in " + value + " when the program exited";
    default:
      return who + ": " + verdict::verdict_meaning(f.kind);
  }
}

std::string ObserveProse::change(const observe::ThreadLife& t, const observe::StateChange& c) const {
  // Each kind that changed since the thread's previous step, and for one that leaves it apart
  // from its process, the process's value ("nice:5 (its process: nice:0)").
  const observe::StateChange* prev = nullptr;
  for (const auto& step : t.timeline)
    if (&step == &c) break;
    else prev = &step;
  std::string now;
  if (prev != nullptr) {
    const os::StateSet p = a_.process_state(t.pid, c.seq);
    const unsigned changed = observe::dirty_kinds(c.state, prev->state, log_.kinds_mask);
    const unsigned dirty = observe::dirty_kinds(c.state, p, log_.kinds_mask);
    for (os::StateKind k : os::kAllKinds) {
      const std::size_t i = os::index(k);
      if (!(changed & (1u << i))) continue;
      const auto ki = static_cast<trace::KindIndex>(i);
      now += (now.empty() ? "" : ", ") + kernel_id(ki, c.state[i]) +
             ((dirty & (1u << i)) ? " (its process: " + kernel_id(ki, p[i]) + ")" : " (with its whole process)");
    }
  }
  if (now.empty()) now = state(c.state, t.pid, c.seq);
  if (c.cause < 0) return "by #" + std::to_string(c.seq) + " it was in " + now + " (no notified call explains it)";
  const auto& ev = log_.events[static_cast<std::size_t>(c.cause)];
  return "#" + std::to_string(c.cause) + " " + observe::call_name(ev.call) + " moved it to " + now;
}

std::string ObserveProse::life(const observe::ThreadLife& t) const {
  std::string out;
  const std::int64_t first_seq = t.timeline.empty() ? 0 : t.timeline.front().seq;
  const std::string first = t.timeline.empty() ? "?" : state(t.timeline.front().state, t.pid, first_seq);
  if (t.tid == log_.root) out = "the program's main thread, in origin";
  else if (t.created_by != 0)
    out = std::string(t.leader ? "a process forked" : "cloned") + " by thread " + std::to_string(t.created_by) +
          (t.creator_certain ? "" : " (probably)") + " in " + first;
  else out = "first seen in " + first;
  if (t.own_fs_since >= 0) out += "; an fs struct (cwd) of its own by #" + std::to_string(t.own_fs_since);
  const std::int64_t last_seq = t.end_seq >= 0 ? t.end_seq : a_.exit_seq >= 0 ? a_.exit_seq : first_seq;
  const std::string last = t.timeline.empty() ? "?" : state(t.timeline.back().state, t.pid, last_seq);
  switch (t.end) {
    case observe::End::Alive: return out + "; alive at the end, in " + last;
    case observe::End::Exit: return out + "; exited (exit) in " + last;
    case observe::End::ExitGroup: return out + "; ended with its process (exit_group) in " + last;
    case observe::End::Vanished: return out + "; gone by #" + std::to_string(t.end_seq) + " (last seen in " + last + ")";
  }
  return out;
}

}  // namespace nsleak::reports
