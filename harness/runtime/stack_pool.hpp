// StackPool: the G stacks. A stack is mapped (with a guard page below it, so an overrun
// faults instead of corrupting a neighbour) only when a G first runs, and a G that exits puts
// its stack back on a free list for the next G to start — as Go's runtime caches stacks of
// dead Gs: at most kMaxFree of them, each beyond the first kResidentFree with its pages below
// the top one given back to the kernel; a stack freed beyond kMaxFree is unmapped. 10,000 goroutines that run one after another
// then map a handful of stacks, not 10,000; 10,000 alive at once map 10,000 (each two VMAs:
// stack and guard — the goroutine limit against vm.max_map_count counts those, `mapped()`),
// and give them back as they end.
//
// Used through the runtime's baton (one M runs at a time), like the rest of the scheduler's
// state: no lock. Stacks are never unmapped; the process ends with the run.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <boost/context/stack_context.hpp>
#include <cstddef>

namespace nsleak::rt {

class StackPool {
 public:
  static constexpr std::size_t kStackSize = 256 * 1024;  // usable bytes; the guard page is extra
  static constexpr std::size_t kMaxFree = 64;             // stacks kept for reuse
  // ... of which this many keep their pages: freeing a stack's pages is a madvise whose TLB
  // shootdown interrupts every CPU running one of the run's threads, at each G's exit, for
  // pages the next G (the free list is LIFO) touches again. A run whose Gs end a few at a time
  // gives back nothing; 10,000 ending in turn still hold at most this many deep stacks.
  static constexpr std::size_t kResidentFree = 16;

  boost::context::stack_context allocate();
  // Back on the free list (Boost.Context calls it when a G's fiber returns). No allocation:
  // the list's link lives in the free stack itself.
  void deallocate(boost::context::stack_context& sctx) noexcept;

  std::size_t mapped() const { return mapped_; }  // stacks mapped now
  std::size_t free() const { return free_; }      // ... of which on the free list now

 private:
  struct FreeStack;  // placed at the top of a free stack
  FreeStack* head_ = nullptr;
  std::size_t mapped_ = 0, free_ = 0;
};

// The process's pool (one runtime per sandbox child).
StackPool& stack_pool();

// The StackAllocator Boost.Context's fiber takes: a handle on stack_pool().
struct PooledStack {
  boost::context::stack_context allocate() { return stack_pool().allocate(); }
  void deallocate(boost::context::stack_context& sctx) noexcept { stack_pool().deallocate(sctx); }
};

}  // namespace nsleak::rt
