#include "harness/runtime/gqueue.hpp"

#include "harness/runtime/sched.hpp"

namespace nsleak::rt {

void GQueue::already_queued(const G* gp) { throw_("runqput: " + gp->label() + " is already queued"); }

GQueue::iterator& GQueue::iterator::operator++() {
  g_ = g_->schedlink;
  return *this;
}

}  // namespace nsleak::rt
