// StepRecorder: the sandbox child's Tracer. Stamps each event with a sequence number and the
// time, reads the kernel as the event asks (rt::Observe: the executing thread's own state, or
// a snapshot of every task), cross-checks what it read against the runtime's own bookkeeping
// of each M, and commits the event's records to the shared
// trace buffer, visible to the parent at once.
#pragma once

#include <vector>

#include "harness/os/task_observer.hpp"
#include "harness/runner/stamp_clock.hpp"
#include "harness/runtime/threads.hpp"
#include "harness/runtime/tracer.hpp"
#include "harness/trace/buffer.hpp"

namespace nsleak::runner {

class StepRecorder final : public rt::Tracer {
 public:
  StepRecorder(trace::TraceBuffer& out, unsigned observe_mask);
  void commit(const trace::Record& owner, std::span<const trace::Record> attached, rt::Observe observe) override;
  void commit_own_read(const trace::Record& owner, std::span<const trace::Record> attached,
                       const os::StateSet& read) override;
  void execute(const trace::Execute& e, std::int64_t t) override;

 private:
  void snapshot_and_check();  // appends TaskState (and Disagreement events) to pending_
  // ... the executing thread's only: as `read` (its state read just now), or read here.
  void own_and_check(const os::StateSet* read);
  void commit_with(const trace::Record& owner, std::span<const trace::Record> attached, rt::Observe observe,
                   const os::StateSet* own_read);
  void stamp(trace::Record& r);  // an owner's sequence number and time
  void put(trace::Record r);  // appends to pending_, stamping owners

  trace::TraceBuffer& out_;
  os::TaskObserver observer_;
  std::vector<trace::Record> pending_;  // one event's records; reused, so no allocation once grown
  std::vector<trace::Record> rows_;     // a snapshot's rows, likewise
  std::vector<rt::MSnapshot> ms_;                                // the runtime's Ms, likewise
  std::vector<std::pair<pid_t, const rt::MSnapshot*>> by_tid_;  // ... the live ones by tid
  std::int64_t seq_ = 0;
  StampClock clock_;
};

}  // namespace nsleak::runner
