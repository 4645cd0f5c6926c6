// P: a logical processor. Holds the local run queue and runnext; GOMAXPROCS of them.
#pragma once

#include <cstdint>
#include <deque>

namespace nsleak::rt {

struct G;
struct M;

enum class PStatus { Idle, Running };

struct P {
  std::int64_t id = 0;
  PStatus status = PStatus::Idle;
  M* m = nullptr;
  G* runnext = nullptr;  // the G to run next, ahead of runq (set by `go` and by readying)
  std::deque<G*> runq;

  bool runqempty() const { return runnext == nullptr && runq.empty(); }
};

}  // namespace nsleak::rt
