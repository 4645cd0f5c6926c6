// Slots<T, N>: room on the stack for up to N trivially copyable values, none written until the
// code writes it. The trace's types carry member initialisers (Record's header, ChoiceOption's
// fields), so a std::array of them stores every element's defaults when declared: a choice's
// 256 options were 8 KiB of stores at every choice (each baton pass, pick and wake), and the
// recorded options' 64 records 2 KiB more, all on a fresh fork's G and thread stacks, whose
// pages that touched are each a page fault. Read only what was written.
#pragma once

#include <cstddef>
#include <type_traits>

namespace nsleak::trace {

template <class T, std::size_t N>
class Slots {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  Slots() {}  // user-provided and empty: the union's array is not initialised
  static constexpr std::size_t size() { return N; }
  T& operator[](std::size_t i) { return v_[i]; }
  const T& operator[](std::size_t i) const { return v_[i]; }
  T* data() { return v_; }
  T* begin() { return v_; }

 private:
  union {
    T v_[N];
  };
};

}  // namespace nsleak::trace
