// Timers on the virtual clock: time.Sleep parks its G with a deadline; the clock advances
// with work (every op boundary costs kOpWorkUs) and, when no M can run, sysmon jumps it to
// the next deadline. Due timers fire wherever Go fires them: in the findRunnable of whichever
// M looks for work (checkTimers; the sleeper goes to that M's P), or from sysmon.
#include <algorithm>

#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

// What one op boundary costs on the clock: a scenario op is about one system call.
constexpr std::int64_t kOpWorkUs = 1;

std::size_t count_due() {
  auto& s = sched();
  return static_cast<std::size_t>(std::count_if(s.timers.begin(), s.timers.end(), [&](G* g) { return g->wake_at <= s.now_us; }));
}

// runtimer, earliest deadline first. Timers due at the same instant are a tie Go's timer heap
// breaks arbitrarily: a choice, option 0 the one that went to sleep first.
void run_due(std::size_t n) {
  auto& s = sched();
  trace(trace::Timers{s.now_us / 1000, static_cast<std::int32_t>(n)});
  for (; n > 0; --n) {
    const auto earliest = std::min_element(s.timers.begin(), s.timers.end(), [](G* a, G* b) { return a->wake_at < b->wake_at; });
    const std::int64_t when = (*earliest)->wake_at;
    auto& opts = sched().choice_options;
    std::array<std::size_t, kMaxChoiceOptions> at;
    std::size_t k = 0;
    for (std::size_t i = 0; i < s.timers.size() && k < opts.size(); ++i) {
      if (s.timers[i]->wake_at != when) continue;
      opts[k] = g_option(trace::ChoiceKind::RunTimer, s.timers[i], trace::GSource::Runnext);  // goready: runnext
      at[k++] = i;
    }
    const std::size_t pick = at[choose(trace::ChoiceKind::RunTimer, std::span(opts.data(), k))];
    G* gp = s.timers[pick];
    s.timers.erase(s.timers.begin() + static_cast<std::ptrdiff_t>(pick));
    gp->wake_at = -1;
    ready(gp);
  }
}

}  // namespace

void advance_clock_with_work() {
  auto& s = sched();
  ++s.ops;
  s.now_us += kOpWorkUs;
}

void run_due_timers() {
  if (const std::size_t n = count_due(); n > 0) run_due(n);
}

bool jump_to_next_timer() {
  auto& s = sched();
  if (s.timers.empty()) return false;
  const auto earliest = std::min_element(s.timers.begin(), s.timers.end(), [](G* a, G* b) { return a->wake_at < b->wake_at; });
  s.now_us = std::max(s.now_us, (*earliest)->wake_at);
  run_due(count_due());
  return true;
}

void Sleep(std::int64_t ms) {
  auto& s = sched();
  G* gp = getg();
  gp->wake_at = s.now_us + ms * 1000;
  s.timers.push_back(gp);
  gopark(WaitReason::Sleep);
}

std::int64_t now_ms() { return sched().now_us / 1000; }

}  // namespace nsleak::rt
