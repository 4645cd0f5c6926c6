// runtime.LockOSThread / UnlockOSThread, per policy:
//   go1.9   one bit: locking twice = once, one unlock unwires (#20458);
//   go1.10+ nested lockedExt counter; unwired only at 0; the template thread starts lazily.
// Prototype fixes hook in here too: strict-unlock and restore-or-die.
#include "harness/os/state_ops.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

os::StateSet kernel_state() {
  os::StateSet s{};
  os::current_values(os::kAllKindsMask, s);
  return s;
}

// strict-unlock: the thread is not back in its locked-time state, so it must not return to
// the pool. The G moves on (to runnext of this P) and the thread exits, still counted as
// locked so that mexit's handoffp clones nothing from it.
void kill_dirty_thread(G* gp) {
  M* mp = getm();
  casgstatus(gp, GStatus::Running, GStatus::Runnable);
  mp->curg = nullptr;
  gp->m = nullptr;
  mp->lockedg = nullptr;
  gp->lockedm = nullptr;
  mp->lockedExt = 1;
  runqput(mp->p, gp, true);
  trace(trace::StrictUnlockKill{gp->goid, mid32(mp), mp->tid}, true);
  mexit(mp);
}

}  // namespace

void LockOSThread() {
  auto& s = sched();
  if (s.policy.template_thread && !s.newmHandoff.haveTemplateThread) startTemplateThread();
  M* mp = getm();
  G* gp = mp->curg;
  // outermost lock: remember the state to come back to (read only for strict-unlock, its one
  // reader: reading every kind costs a few /proc reads per lock)
  if (gp->lockedm == nullptr) {
    if (s.policy.strict_unlock) gp->locked_state = kernel_state();
    gp->restore_failed = false;
  }
  if (s.policy.nested_lock_count) {
    if (++mp->lockedExt == 0) fatal("panic: LockOSThread nesting overflow");
  } else {
    mp->lockedExt = 1;
  }
  mp->lockedg = gp;
  gp->lockedm = mp;
}

void UnlockOSThread() {
  auto& s = sched();
  M* mp = getm();
  G* gp = mp->curg;
  if (mp->lockedExt == 0) return;  // unlock at 0 is a no-op
  if (s.policy.restore_or_die && gp->restore_failed) {
    trace(trace::UnlockSkipped{gp->goid, mid32(mp)});  // the restore failed
    return;
  }
  if (s.policy.nested_lock_count) {
    --mp->lockedExt;
  } else {
    mp->lockedExt = 0;
  }
  if (mp->lockedInt != 0 || mp->lockedExt != 0) return;
  if (s.policy.strict_unlock && kernel_state() != gp->locked_state) {
    mcall(kill_dirty_thread);
    return;
  }
  mp->lockedg = nullptr;
  gp->lockedm = nullptr;
}

void NoteThreadNs(os::StateKind kind, os::StateValue id) {
  M* cur = getm();
  const std::size_t k = os::index(kind);
  if (os::info(kind).on_clone != os::Inheritance::Shares) {
    cur->ns[k] = id;
    return;
  }
  for (const auto& m : sched().allm)
    if (!m->exited() && m->share[k] == cur->share[k]) m->ns[k] = id;
}

void NoteThreadUnshared(os::StateKind kind, os::StateValue id) {
  M* cur = getm();
  if (os::info(kind).on_clone == os::Inheritance::Shares) cur->share[os::index(kind)] = sched().next_share++;
  cur->ns[os::index(kind)] = id;
}

void NoteNsFailure() {
  if (G* gp = getg(); gp != nullptr && gp->lockedm != nullptr) gp->restore_failed = true;
}

LockState CurrentLockState() {
  M* mp = getm();
  return {mp->lockedExt, mp->lockedg != nullptr && mp->lockedg == mp->curg};
}

bool current_locked() {
  G* gp = getg();
  return gp != nullptr && gp->lockedm != nullptr;
}

std::int64_t current_goid() { return getg()->goid; }
std::int64_t current_mid() { return getm()->id; }

}  // namespace nsleak::rt
