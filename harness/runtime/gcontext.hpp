// GContext: the stackful execution context of a G.
//
// Built on Boost.Context's `fiber` (fcontext backend) rather than a hand-written switch:
// it already carries the audited per-architecture assembly (x86_64, aarch64, ppc64, ...),
// its handles are move-only and consumed on resume (a dangling context does not compile),
// and it takes a stack allocator: the StackPool's (stack_pool.hpp), whose stacks have a guard
// page, are mapped only when a G first runs and are reused once it exits. ucontext was rejected because
// swapcontext makes a sigprocmask syscall on every switch.
//
// A G's fiber may be resumed by any M's thread: fcontext switches registers and stack only,
// nothing thread-bound, which is exactly what a migrating goroutine needs (see the TLS rule
// in g.hpp).
//
// Under a sanitizer the switch is annotated (gcontext.cpp): ASan and TSan track one stack per
// thread, and a switch they are not told about makes ASan take a G's frames for an overflow of
// the thread's stack (and a throw on a G unpoison the wrong range), and TSan run a G's accesses
// under the clock of whichever M's thread it last saw. Boost.Context's own annotations do not
// help: in Boost 1.74 only its ucontext backend has them (ASan only) and Debian builds fcontext.
// A normal build compiles none of it (os/sanitizer_build.hpp).
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <functional>

#include "harness/os/sanitizer_build.hpp"

namespace nsleak::rt {

class GContext {
 public:
  // Prepares a context that runs `entry` on its own stack when first switched to; the stack
  // is taken then, not here (a G that never runs never has one).
  explicit GContext(std::function<void()> entry);
  GContext(const GContext&) = delete;
  GContext& operator=(const GContext&) = delete;

  // On an M's g0: run the G until it switches back (switch_to_g0) or returns.
  void switch_from_g0();
  // On the G's stack: return to the g0 that resumed it; returns when some M resumes the G.
  void switch_to_g0();
  // On this G's stack: run G `next` directly, without g0 in between (Gosched's direct path,
  // proc.cpp): `next` continues holding the g0 this G held, and this G is left suspended as
  // switch_to_g0 leaves it, so any M's g0, or another G, may resume it later. Not under a
  // sanitizer: the annotations above follow g0 <-> G switches only.
  void switch_to(GContext& next);

 private:
  boost::context::fiber g_;   // the suspended G, held by g0 while the G is not running
  boost::context::fiber g0_;  // the suspended g0, held by the G while it runs
  std::function<void()> entry_;
  bool started_ = false;  // the fiber (and its stack) exists
  bool finished_ = false;  // the fiber returned: never resumed again

  void start();  // makes the fiber, on the pool's stack, when the G first runs
#if NSLEAK_ASAN
  friend struct AnnotatedStack;
  const void* stack_bottom_ = nullptr;  // the G's stack, for the switch to it
  std::size_t stack_size_ = 0;
  const void* g0_bottom_ = nullptr;  // the stack of the M that resumed the G last, for the switch back
  std::size_t g0_size_ = 0;
#endif
#if NSLEAK_TSAN
  void* tsan_fiber_ = nullptr;  // the G's TSan fiber, alive while the G's fiber is
  void* tsan_g0_ = nullptr;     // the TSan fiber (thread) of the M that resumed the G last
#endif
};

}  // namespace nsleak::rt
