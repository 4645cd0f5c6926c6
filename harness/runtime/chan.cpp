// Channels (chan struct{}), after runtime/chan.go's chansend/chanrecv/closechan: a send hands
// its value straight to a parked receiver; else it fills a free buffer slot; else it parks. A
// receive takes a parked sender's value (from a full buffer: the head, the sender's value going
// to the tail); else a buffered one; else, closed, the zero value; else it parks. Whoever
// parks is readied by the other side (into the waker's runnext, as in Go).
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

constexpr std::int64_t kDelivered = 1;
constexpr std::int64_t kClosed = 2;

G* dequeue(std::vector<G*>& q) {
  G* g = q.front();
  q.erase(q.begin());
  return g;
}

}  // namespace

void Chan::send() {
  if (closed_) fatal("panic: send on closed channel " + name_);
  if (!recvq_.empty()) {
    G* r = dequeue(recvq_);
    r->param = kDelivered;
    ready(r);
    return;
  }
  if (qcount_ < cap_) {  // chansend: space in the buffer
    ++qcount_;
    return;
  }
  G* gp = getg();
  gp->param = 0;
  sendq_.push_back(gp);
  gopark(WaitReason::ChanSend, &name_, tag_);
  if (getg()->param == kClosed) fatal("panic: send on closed channel " + name_);
}

bool Chan::recv() {
  if (closed_ && qcount_ == 0) return false;  // closed senders have panicked: sendq is empty
  if (!sendq_.empty()) {  // the buffer (if any) is full: its head is taken, the sender's value queued
    G* s = dequeue(sendq_);
    s->param = kDelivered;
    ready(s);
    return true;
  }
  if (qcount_ > 0) {
    --qcount_;
    return true;
  }
  G* gp = getg();
  gp->param = 0;
  recvq_.push_back(gp);
  gopark(WaitReason::ChanReceive, &name_, tag_);
  return getg()->param == kDelivered;
}

void Chan::close() {
  if (closed_) fatal("panic: close of closed channel " + name_);
  closed_ = true;
  for (G* r : std::exchange(recvq_, {})) {
    r->param = kClosed;
    ready(r);
  }
  for (G* s : std::exchange(sendq_, {})) {
    s->param = kClosed;
    ready(s);
  }
}

void Chan::close_from_netpoll() {
  if (closed_) fatal("panic: close of closed channel " + name_);
  if (!sendq_.empty()) fatal("internal error: a netpoll channel has senders");
  closed_ = true;
  for (G* r : std::exchange(recvq_, {})) {
    r->param = kClosed;
    injectglist(r);
  }
}

void WaitGroup::Add(std::int64_t delta) {
  counter_ += delta;
  if (counter_ < 0) fatal("panic: sync: negative WaitGroup counter (" + name_ + ")");
  if (counter_ != 0) return;
  for (G* w : std::exchange(waiters_, {})) ready(w);
}

void WaitGroup::Wait() {
  if (counter_ == 0) return;
  waiters_.push_back(getg());
  gopark(WaitReason::WaitGroupWait, &name_, tag_);
}

}  // namespace nsleak::rt
