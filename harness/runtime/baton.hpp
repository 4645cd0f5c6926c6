// Baton: controlled execution. Exactly one M — the baton holder — runs at any time; every
// other M's thread waits on its own semaphore. Scheduler state is only touched by the holder,
// so it needs no locks, and every interleaving is a sequence of choices a Strategy made.
//
// When the holder cannot continue and no M is ready, the baton goes to sysmon, which fires
// timers or reports the deadlock, as Go's sysmon and checkdead do.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <cstdint>
#include <deque>

namespace nsleak::rt {

struct M;

class Baton {
 public:
  M* holder() const { return holder_; }
  void init(M* m0) { holder_ = m0; }
  // m may run when chosen. Idempotent.
  void make_ready(M* m);
  bool anyone_ready() const { return !ready_.empty(); }
  // The holder gives the baton away; if `stay_ready`, it competes for it again. Returns on
  // the caller's thread once the baton is back.
  void pass(M* self, bool stay_ready);
  // The holder gives the baton to `next` (a ready M) and competes for it again.
  void pass_to(M* self, M* next);
  // The first ready M, in the order they became ready, for which pred holds; or nullptr.
  template <class Pred>
  M* first_ready(Pred pred) const {
    if (ready_.empty()) return nullptr;  // the common case, and cheaper than a deque's iterators
    for (M* m : ready_)
      if (pred(m)) return m;
    return nullptr;
  }
  // The holder's thread is about to end: give the baton away and never take it back.
  void leave(M* self);
  // Called by a thread that just received the baton (also a new M's first step).
  void await_turn(M* self);
  // How many times the baton has changed hands. The same count at two points on one M means
  // no other M ran between them: only this thread ran, and only its own code could have
  // changed its kernel state.
  std::uint64_t handoffs() const { return handoffs_; }

 private:
  M* pick_next(M* self);
  void hand_to(M* next);

  M* holder_ = nullptr;
  std::uint64_t handoffs_ = 0;
  std::deque<M*> ready_;
};

}  // namespace nsleak::rt
