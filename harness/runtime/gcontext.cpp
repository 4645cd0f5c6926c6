#include "harness/runtime/gcontext.hpp"

#include <utility>

#include "harness/runtime/stack_pool.hpp"

namespace nsleak::rt {

namespace ctx = boost::context;

GContext::GContext(std::function<void()> entry) : entry_(std::move(entry)) {}

void GContext::switch_from_g0() {
  if (!started_) {
    started_ = true;
    g_ = ctx::fiber(std::allocator_arg, PooledStack{}, [this](ctx::fiber&& g0) {
      g0_ = std::move(g0);
      entry_();  // must not throw: the G's entry catches everything
      return std::move(g0_);  // the fiber ends: its stack goes back to the pool
    });
  }
  g_ = std::move(g_).resume();
}

void GContext::switch_to_g0() { g0_ = std::move(g0_).resume(); }

}  // namespace nsleak::rt
