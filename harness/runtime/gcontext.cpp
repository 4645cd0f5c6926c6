#include "harness/runtime/gcontext.hpp"

#include <utility>

#include "harness/runtime/stack_pool.hpp"

#if NSLEAK_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if NSLEAK_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace nsleak::rt {

namespace ctx = boost::context;

#if NSLEAK_ASAN
// The pool's stacks, with the bounds noted on the GContext: ASan must be told, before each
// switch to the G, which stack the thread will run on. A G starts on an unpoisoned stack: the
// shadow of its addresses may hold stale redzones — a pooled stack's, from the frames on it when
// its last fiber made the final switch (they never return), or a fresh mapping's, from a
// thread's stack that used the addresses before (a child forked from a zygote or a worker
// thread inherits the other threads' stacks and glibc recycles them) — and the G's frames, laid
// out otherwise, would be reported as overflows.
struct AnnotatedStack {
  GContext* self;
  ctx::stack_context allocate() {
    ctx::stack_context sctx = PooledStack{}.allocate();
    self->stack_bottom_ = static_cast<char*>(sctx.sp) - sctx.size;
    self->stack_size_ = sctx.size;
    ASAN_UNPOISON_MEMORY_REGION(self->stack_bottom_, self->stack_size_);
    return sctx;
  }
  void deallocate(ctx::stack_context& sctx) noexcept { PooledStack{}.deallocate(sctx); }
};
#endif

// The annotations: before each switch, ASan's start_switch_fiber names the stack about to run
// and keeps the side being left's fake-stack handle (nullptr when that side ends: its fake frames
// go); after it, finish_switch_fiber tells the side arrived on which stack it came from — a G
// must learn it on every resume, since the next M to resume it may be another thread. TSan's
// switch_to_fiber (synchronising: g0 and the G are one thread's sequential code) goes right
// before the switch, with the G's fiber made when its stack is and destroyed once it returned.
GContext::GContext(std::function<void()> entry) : entry_(std::move(entry)) {}

void GContext::start() {
  started_ = true;
#if NSLEAK_ASAN
  AnnotatedStack stack{this};
#else
  PooledStack stack;
#endif
  // `g0` is what the first resume hands over: the resuming g0 itself, or from switch_to the
  // g0 the previous G held.
  g_ = ctx::fiber(std::allocator_arg, stack, [this](ctx::fiber&& g0) {
#if NSLEAK_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &g0_bottom_, &g0_size_);
#endif
    g0_ = std::move(g0);
    entry_();  // must not throw: the G's entry catches everything
    finished_ = true;
#if NSLEAK_ASAN
    __sanitizer_start_switch_fiber(nullptr, g0_bottom_, g0_size_);  // this stack is done with
#endif
#if NSLEAK_TSAN
    __tsan_switch_to_fiber(tsan_g0_, 0);
#endif
    return std::move(g0_);  // the fiber ends: its stack goes back to the pool
  });
#if NSLEAK_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

void GContext::switch_from_g0() {
  if (!started_) start();
#if NSLEAK_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, stack_bottom_, stack_size_);
#endif
#if NSLEAK_TSAN
  tsan_g0_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
  // What comes back is empty: the G that switched to g0 — this one, or another this one ran
  // directly (switch_to) — kept its own suspended context (switch_to_g0), or its fiber ended.
  (void)std::move(g_).resume();
#if NSLEAK_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
#if NSLEAK_TSAN
  if (finished_) {  // the G's fiber returned: it will never be switched to again
    __tsan_destroy_fiber(tsan_fiber_);
    tsan_fiber_ = nullptr;
  }
#endif
}

void GContext::switch_to_g0() {
#if NSLEAK_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, g0_bottom_, g0_size_);
#endif
#if NSLEAK_TSAN
  __tsan_switch_to_fiber(tsan_g0_, 0);
#endif
  // The G keeps its own suspended context (on g0's stack, before g0 goes on): g0 may have
  // resumed another G, which then ran this one directly.
  g0_ = std::move(g0_).resume_with([this](ctx::fiber&& self) {
    g_ = std::move(self);
    return ctx::fiber{};
  });
#if NSLEAK_ASAN
  __sanitizer_finish_switch_fiber(fake, &g0_bottom_, &g0_size_);  // maybe another M's stack than the one left
#endif
}

void GContext::switch_to(GContext& next) {
  if (!next.started_) next.start();
  // On next's stack, before it goes on: this G's context is kept as switch_to_g0 keeps it,
  // and the g0 this G held becomes next's (what its pending resume, or its first, returns).
  // This G's resume returns the g0 of whoever resumes it: a g0, or a G's through here.
  g0_ = std::move(next.g_).resume_with([this](ctx::fiber&& self) {
    g_ = std::move(self);
    return std::move(g0_);
  });
}

}  // namespace nsleak::rt
