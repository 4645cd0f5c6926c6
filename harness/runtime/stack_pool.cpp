#include "harness/runtime/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace nsleak::rt {

struct StackPool::FreeStack {
  FreeStack* next;
};

namespace {

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

}  // namespace

boost::context::stack_context StackPool::allocate() {
  boost::context::stack_context sctx;
  if (head_ != nullptr) {
    FreeStack* f = head_;
    head_ = f->next;
    --free_;
    sctx.size = kStackSize + page_size();
    sctx.sp = reinterpret_cast<char*>(f) + sizeof(FreeStack);
    return sctx;
  }
  const std::size_t size = kStackSize + page_size();
  // MAP_NORESERVE: address space only; a page is committed when the G first touches it.
  void* vp = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                    -1, 0);
  if (vp == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(vp, page_size(), PROT_NONE) != 0) {  // the guard page, at the bottom
    ::munmap(vp, size);
    throw std::bad_alloc();
  }
  ++mapped_;
  sctx.size = size;
  sctx.sp = static_cast<char*>(vp) + size;
  return sctx;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  // The fiber is done with the stack. Past kResidentFree free stacks, its pages below the top
  // one go back to the kernel (the mapping and its guard stay): such a stack costs one resident
  // page, not whatever depth its G reached — 10,000 Gs woken and ending in turn would otherwise
  // keep 10,000 deep stacks resident. The top page is the next G's first anyway.
  char* base = static_cast<char*>(sctx.sp) - sctx.size;  // the guard page
  if (free_ >= kMaxFree) {  // enough kept for the Gs to come: this one goes
    ::munmap(base, sctx.size);
    --mapped_;
    return;
  }
  char* top_page = static_cast<char*>(sctx.sp) - page_size();
  char* usable = base + page_size();
  if (free_ >= kResidentFree) ::madvise(usable, static_cast<std::size_t>(top_page - usable), MADV_DONTNEED);
  // Its top word becomes the free list's link.
  auto* f = reinterpret_cast<FreeStack*>(static_cast<char*>(sctx.sp) - sizeof(FreeStack));
  f->next = head_;
  head_ = f;
  ++free_;
}

StackPool& stack_pool() {
  static StackPool pool;
  return pool;
}

}  // namespace nsleak::rt
