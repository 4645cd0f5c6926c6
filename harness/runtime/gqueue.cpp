#include "harness/runtime/gqueue.hpp"

#include "harness/runtime/sched.hpp"

namespace nsleak::rt {

void GQueue::push_back(G* gp) {
  if (gp->schedlink != nullptr || gp == tail_) throw_("runqput: " + gp->label() + " is already queued");
  if (tail_ == nullptr) {
    head_ = gp;
  } else {
    tail_->schedlink = gp;
  }
  tail_ = gp;
  ++size_;
}

G* GQueue::pop_front() {
  G* gp = head_;
  head_ = gp->schedlink;
  if (head_ == nullptr) tail_ = nullptr;
  gp->schedlink = nullptr;
  --size_;
  return gp;
}

GQueue::iterator& GQueue::iterator::operator++() {
  g_ = g_->schedlink;
  return *this;
}

}  // namespace nsleak::rt
