#include "harness/runner/step_recorder.hpp"

#include <unistd.h>

#include <algorithm>

#include "harness/runtime/child_exit.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/runtime/threads.hpp"

namespace nsleak::runner {
namespace {

pid_t tid_of(pid_t t) { return t; }
pid_t tid_of(const os::TaskState& t) { return t.tid; }
trace::MId mid(const rt::MSnapshot* m) { return m != nullptr ? static_cast<trace::MId>(m->id) : trace::kNoM; }

// A disagreement about a task or an M as a whole: no state kind, nothing seen or believed.
trace::Disagreement whole(trace::DisagreementKind what, pid_t tid, trace::MId m = trace::kNoM) {
  trace::Disagreement d;
  d.what = what;
  d.tid = tid;
  d.m = m;
  return d;
}

}  // namespace

StepRecorder::StepRecorder(trace::TraceBuffer& out, unsigned observe_mask)
    : out_(out), observer_(observe_mask) {
  pending_.reserve(256);
  os::raise_fd_limit();  // one fd per namespace seen (the observer's pins), besides the ops' own
}

void StepRecorder::stamp(trace::Record& r) {
  r.seq = seq_++;
  r.us = clock_.now_us();
}

void StepRecorder::put(trace::Record r) {
  if ((r.flags & trace::kAttachedFlag) == 0) stamp(r);
  pending_.push_back(r);
}

void StepRecorder::execute(const trace::Execute& e, std::int64_t t) {
  // A switch that continues the open switch run is one 4-byte entry, with no clock read: the
  // run's stamp is its own (switch_run.hpp). Otherwise a plain, stamped event (it may start a run).
  if (out_.extend_run(e, seq_, t)) {
    ++seq_;
    return;
  }
  trace::Record o = trace::encode(e);
  o.t = t;
  commit(o, {}, rt::Observe::None);
}

void StepRecorder::commit(const trace::Record& owner, std::span<const trace::Record> attached, rt::Observe observe) {
  commit_with(owner, attached, observe, nullptr);
}

void StepRecorder::commit_own_read(const trace::Record& owner, std::span<const trace::Record> attached,
                                   const os::StateSet& read) {
  commit_with(owner, attached, rt::Observe::Own, &read);
}

void StepRecorder::commit_with(const trace::Record& owner, std::span<const trace::Record> attached, rt::Observe observe,
                               const os::StateSet* own_read) {
  trace::Record o = owner;
  // An annotation with nothing attached (a G switch's Execute that starts a run): one record, nothing read
  // (so no pin can have failed), straight into the buffer without the copy to pending_.
  if (observe == rt::Observe::None && attached.empty()) {
    stamp(o);
    if (!out_.append(o)) ::_exit(rt::kChildExitTraceFull);
    return;
  }
  pending_.clear();
  if (observe == rt::Observe::All) {
    snapshot_and_check();  // a disagreement is committed first, as its own event
    o.flags |= trace::kSnapshotFlag;
  } else if (observe == rt::Observe::Own) {
    own_and_check(own_read);
  }
  // A namespace the observer could not pin could have its inode reused: identities would no
  // longer be facts, so the run stops, with the limit and how to raise it.
  if (!observer_.pin_error().empty()) sandbox::fail_environment(out_, observer_.pin_error());
  for (const auto& r : attached) put(r);
  put(o);
  if (!out_.append(pending_)) ::_exit(rt::kChildExitTraceFull);
}

// The executing thread's own state against its M's bookkeeping: one row, attached without the
// snapshot flag (it is not every task). A mismatch is a Disagreement, as in a full snapshot.
void StepRecorder::own_and_check(const os::StateSet* read) {
  const os::TaskState t = read != nullptr ? observer_.own(*read) : observer_.own();
  const rt::MSnapshot m = rt::current_m_snapshot();
  if (t.tid != m.tid) put(trace::encode(whole(trace::DisagreementKind::TaskWithoutM, t.tid)));
  rows_.clear();
  for (auto k : os::kAllKinds) {
    if (!observer_.observes(k)) continue;
    const auto ki = static_cast<trace::KindIndex>(os::index(k));
    const auto seen = t.state[os::index(k)];
    if (seen != m.ns[os::index(k)])
      put(trace::encode(trace::Disagreement{trace::DisagreementKind::StateMismatch, t.tid, mid(&m), ki, seen,
                                            m.ns[os::index(k)]}));
    rows_.push_back(trace::encode(trace::TaskState{t.tid, mid(&m), ki, seen}, trace::kAttachedFlag));
  }
  for (const auto& r : rows_) put(r);
}

// The kernel's view of every task, with the M each tid belongs to. Any difference from the
// runtime's bookkeeping (a task without an M, an M without a task, a state the runtime did not
// predict) is a harness bug, recorded as a Disagreement event before the snapshot's owner.
void StepRecorder::snapshot_and_check() {
  const auto tasks = observer_.snapshot();
  by_tid_.clear();
  rt::allm_snapshot(ms_);
  for (const auto& m : ms_)
    if (!m.joined && m.tid != 0) by_tid_.emplace_back(m.tid, &m);
  std::sort(by_tid_.begin(), by_tid_.end());
  const auto m_of = [&](pid_t tid) -> const rt::MSnapshot* {
    const auto it = std::lower_bound(by_tid_.begin(), by_tid_.end(), std::pair<pid_t, const rt::MSnapshot*>(tid, nullptr));
    return it != by_tid_.end() && it->first == tid ? it->second : nullptr;
  };
  auto& rows = rows_;  // the snapshot, attached to the event after the disagreements
  rows.clear();
  for (const auto& t : tasks) {
    const rt::MSnapshot* m = m_of(t.tid);
    if (m == nullptr) put(trace::encode(whole(trace::DisagreementKind::TaskWithoutM, t.tid)));
    for (auto k : os::kAllKinds) {
      if (!observer_.observes(k)) continue;
      const auto ki = static_cast<trace::KindIndex>(os::index(k));
      const auto seen = t.state[os::index(k)];
      if (m != nullptr && seen != m->ns[os::index(k)])
        put(trace::encode(trace::Disagreement{trace::DisagreementKind::StateMismatch, t.tid, mid(m), ki, seen,
                                              m->ns[os::index(k)]}));
      rows.push_back(trace::encode(trace::TaskState{t.tid, mid(m), ki, seen}, trace::kAttachedFlag));
    }
  }
  for (const auto& [tid, m] : by_tid_) {
    if (m->exited) continue;
    const bool found = std::binary_search(tasks.begin(), tasks.end(), tid,
                                          [](const auto& a, const auto& b) { return tid_of(a) < tid_of(b); });
    if (!found) put(trace::encode(whole(trace::DisagreementKind::MWithoutTask, m->tid, mid(m))));
  }
  for (const auto& r : rows) put(r);
}

}  // namespace nsleak::runner
