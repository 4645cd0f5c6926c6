#include "harness/runtime/baton.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <array>

#include "harness/os/task_observer.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {

void Baton::make_ready(M* m) {
  if (m->ready || m->exited()) return;
  m->ready = true;
  ready_.push_back(m);
}

M* Baton::pick_next(M* self) {
  if (ready_.empty()) {
    // Nothing can run: sysmon's turn (timers, lost wakeups, or the deadlock report).
    M* sm = sched().sysmon;
    if (sm == nullptr || sm == self || sm->exited()) return nullptr;
    notewakeup(sm->park);
    if (ready_.empty()) return nullptr;
  }
  std::size_t i = 0;
  if (ready_.size() > 1) {
    const auto option = [](const M* m) { return m_option(trace::ChoiceKind::RunM, m); };
    auto& opts = sched().choice_options;
    if (ready_.size() <= opts.size()) {
      std::transform(ready_.begin(), ready_.end(), opts.begin(), option);
      i = choose(trace::ChoiceKind::RunM, std::span(opts.data(), ready_.size()));
    } else {  // more threads ready at once than a choice records: rare enough to allocate
      std::vector<trace::ChoiceOption> many(ready_.size());
      std::transform(ready_.begin(), ready_.end(), many.begin(), option);
      i = choose(trace::ChoiceKind::RunM, many);
    }
  }
  M* next = ready_[i];
  ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(i));
  next->ready = false;
  return next;
}

void Baton::hand_to(M* next) {
  holder_ = next;
  ++handoffs_;
  next->turn.release();
}

void Baton::pass(M* self, bool stay_ready) {
  if (stay_ready) make_ready(self);
  M* next = pick_next(self);
  if (next == nullptr) throw_("baton: no M can run and sysmon cannot help");
  if (next == self) return;
  hand_to(next);
  await_turn(self);
}

void Baton::pass_to(M* self, M* next) {
  if (next == self || !next->ready) throw_("baton: pass_to an M that is not ready");
  std::erase(ready_, next);
  next->ready = false;
  make_ready(self);
  hand_to(next);
  await_turn(self);
}

void Baton::leave(M* self) {
  M* next = pick_next(self);
  if (next == nullptr || next == self) throw_("baton: exiting M has nobody to hand over to");
  hand_to(next);
}

void Baton::await_turn(M* self) {
  self->turn.acquire();
  self->woken_op = -1;  // it runs: no longer a wake-up pending (the wakep choice)
  // Threads that exited while we waited must be gone from /proc before anyone observes: the
  // kernel clears the tid (pthread_join) slightly before it unhashes the task.
  auto& ex = sched().exiting;
  for (M* m : ex) {
    pthread_join(m->thread, nullptr);
    for (int spins = 0; os::task_exists(m->tid); ++spins) {
      if (spins > 200000) throw_("thread " + std::to_string(m->tid) + " did not disappear");
      ::sched_yield();
    }
    m->joined = true;
  }
  ex.clear();
}

void notesleep(Note& n) {
  while (!n.signaled) {
    n.sleeping = true;
    sched().baton.pass(n.owner, false);
  }
  n.sleeping = false;
  n.signaled = false;
}

void notewakeup(Note& n) {
  n.signaled = true;
  if (n.sleeping) sched().baton.make_ready(n.owner);
}

std::uint64_t baton_handoffs() { return sched().baton.handoffs(); }

}  // namespace nsleak::rt
