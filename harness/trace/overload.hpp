// Overload: a visitor made of lambdas, one per alternative of a std::variant (trace::Body).
#pragma once

namespace nsleak::trace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace nsleak::trace
