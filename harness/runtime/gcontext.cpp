#include "harness/runtime/gcontext.hpp"

#include <boost/context/protected_fixedsize_stack.hpp>
#include <utility>

namespace nsleak::rt {

namespace ctx = boost::context;

GContext::GContext(std::function<void()> entry) : entry_(std::move(entry)) {
  g_ = ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(kStackSize),
                  [this](ctx::fiber&& g0) {
                    g0_ = std::move(g0);
                    entry_();  // must not throw: the G's entry catches everything
                    return std::move(g0_);
                  });
}

void GContext::switch_from_g0() { g_ = std::move(g_).resume(); }

void GContext::switch_to_g0() { g0_ = std::move(g0_).resume(); }

}  // namespace nsleak::rt
