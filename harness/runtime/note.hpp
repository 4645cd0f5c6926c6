// Note: a one-shot sleep/wakeup event owned by one M (Go's `note`).
//
// In controlled mode an M never blocks in the kernel waiting for another M: notesleep hands
// the baton (see baton.hpp) to another ready M and the thread waits for its turn; notewakeup
// only makes the sleeper ready. Which ready M runs next is a choice point.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

namespace nsleak::rt {

struct M;

struct Note {
  M* owner = nullptr;  // the M that sleeps on it
  bool signaled = false;
  bool sleeping = false;
};

void notesleep(Note& n);   // on the owner's thread; returns once signaled, then clears it
void notewakeup(Note& n);  // from any M holding the baton

}  // namespace nsleak::rt
