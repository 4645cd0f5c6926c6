// OsSemaphore: a binary semaphore that sleeps in the kernel at once (FUTEX_WAIT).
//
// std::binary_semaphore in libstdc++ spins with sched_yield before sleeping. In controlled
// mode exactly one thread should run, and that spinning both burns the CPU the next M needs
// and, under CFS, can keep a freshly created thread off the CPU for a whole time slice
// (measured: up to 3.5 ms per newm). A baton handoff must cost a wake-up, nothing more.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace nsleak::rt {

class OsSemaphore {
 public:
  void release() {
    state_.store(1, std::memory_order_release);
    ::syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  void acquire() {
    while (state_.exchange(0, std::memory_order_acquire) == 0)
      ::syscall(SYS_futex, &state_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  }

 private:
  std::atomic<int> state_{0};
};

}  // namespace nsleak::rt
