// StepRecorder: the child's Tracer. Stamps each event with a sequence number and, when asked,
// a kernel snapshot of every task's namespaces; cross-checks that snapshot against the
// runtime's own bookkeeping of each M; commits the event to the shared trace buffer as one
// JSON line, visible to the parent at once.
#pragma once

#include <chrono>

#include "harness/os/task_observer.hpp"
#include "harness/sandbox/trace_buffer.hpp"
#include "harness/runtime/tracer.hpp"

namespace nsleak::sandbox {

class StepRecorder final : public rt::Tracer {
 public:
  StepRecorder(TraceBuffer& out, unsigned observe_mask) : out_(out), observer_(observe_mask) {}
  void event(nlohmann::json ev, bool snapshot) override;
  void int_event(const char* kind, std::span<const IntField> fields) override;
  void write_line(const nlohmann::json& ev);  // also used before the runtime starts

 private:
  nlohmann::json snapshot_and_check();

  TraceBuffer& out_;
  std::string line_;  // reused: no allocation per event once it has grown
  os::TaskObserver observer_;
  long seq_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace nsleak::sandbox
