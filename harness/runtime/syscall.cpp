// A goroutine in a system call. The G keeps its M for the whole call; what happens to its P
// depends on how Go enters the call:
//   entersyscall (Syscall): the P stays with the M, and on return exitsyscall's fast path
//     takes it back. Meanwhile sysmon's retake may take the P (the retake choice) and hand it
//     off from *sysmon's* thread (handoffp -> startm -> newm clones sysmon's thread).
//   entersyscallblock (BlockingSyscall): the P is handed off at once, from the calling thread.
// On return without a P the G needs one: the old one if still idle, any idle one, or it
// queues globally and its M stops (a locked M waits for it in stoplockedm).
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

// exitsyscall without a P of its own: exitsyscallfast's "old P if idle, else any idle P",
// else exitsyscall0 on g0.
void exitsyscall_nop(G* gp, P* oldp) {
  M* mp = getm();
  P* pp = take_idle(oldp) ? oldp : pidleget();
  trace(trace::ExitSyscall{gp->goid, mid32(mp), pp != nullptr ? static_cast<std::int32_t>(pp->id) : -1});
  if (pp != nullptr) {
    acquirep(pp);
    casgstatus(gp, GStatus::Syscall, GStatus::Running);
    return;
  }
  mcall(exitsyscall0);
}

// retake's test for a P in a syscall: worth taking when it has work queued, or when no M is
// spinning and no P is idle (nothing else would run new work). The 10 ms rule never applies:
// the virtual clock does not pass that much time inside one call.
bool retake_worthwhile(const P* pp) {
  const auto& s = sched();
  return !pp->runqempty() || s.nmspinning + static_cast<int>(s.pidle.size()) == 0;
}

}  // namespace

void BlockingSyscall(const std::function<void()>& call) {
  M* mp = getm();
  G* gp = mp->curg;
  casgstatus(gp, GStatus::Running, GStatus::Syscall);
  ++sched().syscalls;
  P* oldp = releasep();
  trace(trace::EnterSyscall{gp->goid, mid32(mp), static_cast<std::int32_t>(oldp->id)});
  handoffp(oldp);
  call();
  // In the kernel: other Ms may run meanwhile (the strategy decides how long it blocks).
  mp->sys_site = SysSite::BlockingReturn;
  mp->sys_p = oldp;
  sched().baton.pass(mp, true);
  mp->sys_site = SysSite::None;
  mp->sys_p = nullptr;
  exitsyscall_nop(gp, oldp);
}

void Syscall(const std::function<void()>& call, SyscallLength length) {
  auto& s = sched();
  M* mp = getm();
  G* gp = mp->curg;
  P* pp = mp->p;
  casgstatus(gp, GStatus::Running, GStatus::Syscall);
  ++s.syscalls;
  trace(trace::EnterSyscall{gp->goid, mid32(mp), static_cast<std::int32_t>(pp->id)});
  call();
  // From here to the exit the M's sys_* fields say where it is (the fingerprint's syscall
  // sites): everything below reads only them, the M's and the scheduler's state.
  mp->sys_p = pp;
  mp->sys_waits = length == SyscallLength::Waits;
  // While the G is in the kernel, sysmon may retake its P. A short call is usually back
  // before sysmon has seen it twice (20 us); a call that waits (wait4) is usually retaken.
  M* sm = s.sysmon;
  if (sm != nullptr && !sm->exited() && retake_worthwhile(pp)) {
    using trace::RetakeAction;
    const auto opt = [&](RetakeAction a) {
      auto o = action_option(trace::ChoiceKind::Retake, static_cast<std::uint8_t>(a));
      o.id = pp->id;  // for the reports
      return o;
    };
    std::array<trace::ChoiceOption, 2> opts{opt(RetakeAction::Keep), opt(RetakeAction::Retake)};
    if (length == SyscallLength::Waits) std::swap(opts[0], opts[1]);
    mp->sys_site = SysSite::RetakeAsk;
    if (static_cast<RetakeAction>(opts[choose(trace::ChoiceKind::Retake, opts)].detail) == RetakeAction::Retake) {
      s.retake = pp;
      notewakeup(sm->park);
      mp->sys_site = SysSite::AfterRetake;
      s.baton.pass_to(mp, sm);  // sysmon runs retake -> handoffp on its own thread
    }
  }
  // A call that waits stays in the kernel while the Ms already running go on: this one comes
  // back after them (the run-m choice, with this M last).
  if (length == SyscallLength::Waits && s.baton.anyone_ready()) {
    mp->sys_site = SysSite::WaitsReturn;
    s.baton.pass(mp, true);
  }
  mp->sys_site = SysSite::None;
  mp->sys_p = nullptr;
  mp->sys_waits = false;
  if (mp->p == pp) {  // exitsyscallfast: the P is still ours
    trace(trace::ExitSyscall{gp->goid, mid32(mp), static_cast<std::int32_t>(pp->id)});
    casgstatus(gp, GStatus::Syscall, GStatus::Running);
    return;
  }
  exitsyscall_nop(gp, pp);
}

void Gosched() {
  if (!gosched_direct()) mcall(gosched_m);
}

void Checkpoint() {
  auto& s = sched();
  const std::int64_t this_op = s.ops;
  advance_clock_with_work();
  // wakep: an M that startm woke before this op, once a system call has been made since or
  // kWakeUpOps ops have passed, has had the time to wake up (notewakeup -> futexwakeup, then the
  // kernel schedules it: some 10 us, longer than the Go code between two syscalls, so a short
  // run of go statements, channel and WaitGroup ops finishes first, as newproc's runqput keeps
  // the newest G in runnext); it now runs beside this one (option 0), as it would on its own
  // core, or waits until this M blocks.
  if (M* woken = s.baton.first_ready([&](const M* m) {
        return m->woken_op >= 0 && m->woken_op < this_op &&
               (m->woken_syscalls < s.syscalls || this_op - m->woken_op >= kWakeUpOps);
      })) {
    using trace::WakePAction;
    const std::array<trace::ChoiceOption, 2> opts{wakep_option(woken, WakePAction::Run),
                                                  wakep_option(woken, WakePAction::Wait)};
    woken->woken_op = -1;
    if (choose(trace::ChoiceKind::WakeP, opts) == 0) {
      s.baton.pass_to(getm(), woken);
      return;
    }
  }
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
