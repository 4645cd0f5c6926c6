// StepRecorder: the child's Tracer. Stamps each event with a sequence number and, when asked,
// a kernel snapshot of every task's namespaces; cross-checks that snapshot against the
// runtime's own bookkeeping of each M; streams the event to the parent as one JSON line.
#pragma once

#include <chrono>

#include "harness/ns/task_observer.hpp"
#include "harness/runtime/tracer.hpp"

namespace nsleak::sandbox {

class StepRecorder final : public rt::Tracer {
 public:
  StepRecorder(int fd, unsigned observe_mask) : fd_(fd), observer_(observe_mask) {}
  void event(nlohmann::json ev, bool snapshot) override;
  void finish() override {}
  void write_line(const nlohmann::json& ev);  // also used before the runtime starts

 private:
  nlohmann::json snapshot_and_check();

  int fd_;
  ns::TaskObserver observer_;
  long seq_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace nsleak::sandbox
