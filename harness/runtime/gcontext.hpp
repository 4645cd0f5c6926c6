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
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <functional>

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

 private:
  boost::context::fiber g_;   // the suspended G, held by g0 while the G is not running
  boost::context::fiber g0_;  // the suspended g0, held by the G while it runs
  std::function<void()> entry_;
  bool started_ = false;  // the fiber (and its stack) exists
};

}  // namespace nsleak::rt
