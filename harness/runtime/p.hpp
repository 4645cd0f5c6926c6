// P: a logical processor. Holds the local run queue and runnext; GOMAXPROCS of them.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <cstdint>
#include "harness/runtime/gqueue.hpp"

namespace nsleak::rt {

struct G;
struct M;

// Idle <-> Running only, through caspstatus (status.cpp): acquirep and releasep.
enum class PStatus { Idle, Running };
const char* pstatus_name(PStatus s);

struct P {
  std::int64_t id = 0;
  PStatus status = PStatus::Idle;  // written only by caspstatus
  M* m = nullptr;
  G* runnext = nullptr;  // the G to run next, ahead of runq (set by `go` and by readying)
  GQueue runq;

  bool runqempty() const { return runnext == nullptr && runq.empty(); }
};

}  // namespace nsleak::rt
