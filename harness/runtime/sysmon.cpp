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

// Fire the earliest timer(s): advance the clock and make the sleepers runnable.
bool fire_timers() {
  auto& s = sched();
  if (s.timers.empty()) return false;
  auto earliest = std::min_element(s.timers.begin(), s.timers.end(),
                                   [](G* a, G* b) { return a->wake_at < b->wake_at; });
  s.now_ms = std::max(s.now_ms, (*earliest)->wake_at);
  std::vector<G*> due;
  std::erase_if(s.timers, [&](G* g) {
    if (g->wake_at > s.now_ms) return false;
    due.push_back(g);
    return true;
  });
  std::stable_sort(due.begin(), due.end(), [](G* a, G* b) { return a->wake_at < b->wake_at; });
  trace(trace::Timers{s.now_ms, static_cast<std::int32_t>(due.size())});
  for (G* g : due) {
    g->wake_at = -1;
    ready(g);
  }
  return true;
}

[[noreturn]] void checkdead() {
  auto& s = sched();
  if (s.main_g != nullptr && s.main_g->goexit_called)
    fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  fatal("all goroutines are asleep - deadlock!");
}

}  // namespace

void sysmon() {
  auto& s = sched();
  for (;;) {
    notesleep(getm()->park);
    if (runnable_work_without_m()) {
      // A G is runnable but no M is on it: start one, as sysmon's retake/injectglist would.
      P* pp = nullptr;
      for (P* p : s.pidle)
        if (!p->runqempty()) pp = p;
      if (pp != nullptr) std::erase(s.pidle, pp);
      startm(pp, false);
      continue;
    }
    if (fire_timers()) continue;
    checkdead();
  }
}

}  // namespace nsleak::rt
