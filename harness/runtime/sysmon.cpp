// sysmon: the M without a P that acts when no other M can run — Go's sysmon and checkdead.
// In controlled mode the baton wakes it exactly then; it advances the virtual clock to the
// next timer, repairs a lost wakeup, or reports that every goroutine is asleep.
#include <algorithm>

#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

bool runnable_work_without_m() {
  auto& s = sched();
  if (s.pidle.empty()) return false;
  if (!s.runq.empty()) return true;
  return std::any_of(s.pidle.begin(), s.pidle.end(), [](P* p) { return !p->runqempty(); });
}

[[noreturn]] void checkdead() {
  auto& s = sched();
  if (s.main_g != nullptr && s.main_g->goexit_called)
    fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  fatal("all goroutines are asleep - deadlock!");
}

// retake, for a P whose G is in a syscall (asked by Syscall through Sched::retake): the P
// leaves its M, and handoffp runs here, on sysmon's thread, which has no P and is never
// locked: any M it has to make is cloned from sysmon (go1.9 too).
void retake(P* pp) {
  M* owner = pp->m;
  owner->p = nullptr;
  pp->m = nullptr;
  caspstatus(pp, PStatus::Running, PStatus::Idle);
  handoffp(pp);
}

}  // namespace

void sysmon() {
  auto& s = sched();
  for (;;) {
    notesleep(getm()->park);
    if (P* pp = std::exchange(s.retake, nullptr)) {
      retake(pp);
      continue;
    }
    if (runnable_work_without_m()) {
      // A G is runnable but no M is on it: start one, as sysmon's retake/injectglist would.
      P* pp = nullptr;
      for (P* p : s.pidle)
        if (!p->runqempty()) pp = p;
      if (pp != nullptr) std::erase(s.pidle, pp);
      startm(pp, false);
      continue;
    }
    if (jump_to_next_timer()) continue;
    checkdead();
  }
}

}  // namespace nsleak::rt
