// GQueue: a FIFO of Gs linked through G::schedlink (Go's gQueue). A G is in at most one run
// queue at a time, so the link lives in the G and queueing never allocates: a std::deque
// allocates a block every few dozen push/pop pairs, which is on every Gosched's path. For the
// same reason push and pop are inline.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <cstddef>

#include "harness/runtime/g.hpp"

namespace nsleak::rt {

class GQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  std::size_t size() const { return size_; }
  G* front() const { return head_; }
  void push_back(G* gp) {
    if (gp->schedlink != nullptr || gp == tail_) [[unlikely]]
      already_queued(gp);
    if (tail_ == nullptr) {
      head_ = gp;
    } else {
      tail_->schedlink = gp;
    }
    tail_ = gp;
    ++size_;
  }
  G* pop_front() {
    G* gp = head_;
    head_ = gp->schedlink;
    if (head_ == nullptr) tail_ = nullptr;
    gp->schedlink = nullptr;
    --size_;
    return gp;
  }

  // Iteration in queue order (dump_state, tests); the queue must not change meanwhile.
  class iterator {
   public:
    explicit iterator(G* g) : g_(g) {}
    G* operator*() const { return g_; }
    iterator& operator++();
    bool operator!=(const iterator& o) const { return g_ != o.g_; }

   private:
    G* g_;
  };
  iterator begin() const { return iterator(head_); }
  iterator end() const { return iterator(nullptr); }

 private:
  [[noreturn, gnu::cold]] static void already_queued(const G* gp);  // a broken invariant: throw_

  G* head_ = nullptr;
  G* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace nsleak::rt
