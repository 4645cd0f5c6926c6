// A goroutine in a blocking system call (entersyscallblock / exitsyscall): the G keeps its M
// for the whole call; only the P moves on. On return the G needs a P again — the old one if
// still idle, any idle one, or it queues globally and its M stops (a locked M waits for it).
#include <array>

#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

bool take_idle(P* pp) {
  auto& v = sched().pidle;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (*it == pp) {
      v.erase(it);
      return true;
    }
  }
  return false;
}

void exitsyscall0(G* gp) {
  M* mp = getm();
  casgstatus(gp, GStatus::Syscall, GStatus::Runnable);
  mp->curg = nullptr;
  gp->m = nullptr;
  if (P* pp = pidleget()) {
    acquirep(pp);
    mp->runnow = gp;
    return;
  }
  globrunqput(gp);
  // No P: a locked M waits in schedule()'s stoplockedm for startlockedm; others stop here
  // until startm hands them a P, then schedule_loop looks for work.
  if (mp->lockedg == nullptr) stopm();
}

}  // namespace

void BlockingSyscall(const std::function<void()>& call) {
  M* mp = getm();
  G* gp = mp->curg;
  casgstatus(gp, GStatus::Running, GStatus::Syscall);
  P* oldp = releasep();
  trace(trace::EnterSyscall{gp->goid, mid32(mp), static_cast<std::int32_t>(oldp->id)});
  handoffp(oldp);
  call();
  // In the kernel: other Ms may run meanwhile (the strategy decides how long it blocks).
  sched().baton.pass(mp, true);
  P* pp = take_idle(oldp) ? oldp : pidleget();
  trace(trace::ExitSyscall{gp->goid, mid32(mp), pp != nullptr ? static_cast<std::int32_t>(pp->id) : -1});
  if (pp != nullptr) {
    acquirep(pp);
    casgstatus(gp, GStatus::Syscall, GStatus::Running);
    return;
  }
  mcall(exitsyscall0);
}

void Gosched() { mcall(gosched_m); }

void Sleep(std::int64_t ms) {
  auto& s = sched();
  G* gp = getg();
  gp->wake_at = s.now_ms + ms;
  s.timers.push_back(gp);
  gopark(WaitReason::Sleep);
}

void Checkpoint() {
  auto& s = sched();
  const bool other_m = s.baton.anyone_ready();
  bool runnable = !s.runq.empty();
  for (auto& p : s.allp) runnable = runnable || !p->runqempty();
  if (!other_m && !runnable) return;  // no choice to make: the common case after every op
  using trace::PreemptAction;
  std::array<trace::ChoiceOption, 3> options;
  std::size_t n = 0;
  const auto option = [](PreemptAction a) { return action_option(trace::ChoiceKind::Preempt, static_cast<std::uint8_t>(a)); };
  options[n++] = option(PreemptAction::Continue);
  if (other_m) options[n++] = option(PreemptAction::Yield);
  if (runnable) options[n++] = option(PreemptAction::Preempt);
  const auto pick = static_cast<PreemptAction>(options[choose(trace::ChoiceKind::Preempt, std::span(options.data(), n))].detail);
  if (pick == PreemptAction::Yield) s.baton.pass(getm(), true);
  if (pick == PreemptAction::Preempt) Gosched();
}

std::int64_t Go(std::function<void()> fn, const std::string& name, std::uint32_t fn_tag) {
  auto& s = sched();
  M* mp = getm();
  G* parent = mp->curg;
  if (s.policy.forbid_spawn && parent->lockedm != nullptr)
    fatal("forbid-spawn: go statement in " + parent->label() + ", which is locked to its thread");
  G* gp = newproc(std::move(fn), name);
  label_g(gp, fn_tag);
  gp->parent = parent;
  trace(trace::NewProc{gp->goid, parent->goid, mid32(mp), fn_tag});
  if (s.policy.inherit_spawn && parent->lockedm != nullptr) {
    gp->locked_state = parent->locked_state;
    newm_locked(gp);
  }
  runqput(mp->p, gp, true);
  if (s.main_started) wakep();
  return gp->goid;
}

}  // namespace nsleak::rt
