// Tracer: where the runtime reports what happens, as typed trace records (harness/trace).
// The run's recorder implements it: it stamps each event, reads the kernel's view of the
// threads as the event asks (Observe), cross-checks it against the runtime's bookkeeping, and
// commits the records to the shared trace buffer.
#pragma once

#include <cstdint>
#include <span>

#include "harness/os/state_kind.hpp"
#include "harness/trace/record.hpp"

namespace nsleak::rt {

// How much of the kernel an event reads. Thread state changes only through a few events (a
// namespace or state syscall, a clone, a thread exit, an exec, the end of the run): those
// read every task (All); any other op reads only the thread it ran on (Own), which is all it
// can have changed — a thread moved behind the runtime's back is still caught there, or by
// the next All at the latest (the run's end is one).
enum class Observe : std::uint8_t {
  None,  // runtime annotations: nothing read
  Own,   // the executing thread's own state, cross-checked against its M
  All,   // a snapshot of every task, cross-checked against every M
};
constexpr Observe observe_all_if(bool snapshot) { return snapshot ? Observe::All : Observe::None; }

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Commits one event: the records `attached` to it, then `owner`, with the kernel read as
  // `observe` says (attached too). Called with the baton held, on the thread the event
  // happened on; committed (visible to the parent) when this returns, since the process may
  // _exit right after. Must not allocate on the scheduler's hot path.
  virtual void commit(const trace::Record& owner, std::span<const trace::Record> attached,
                      Observe observe) = 0;
  // Commits as commit(..., Observe::Own) does, where the calling thread's state was read just
  // now, with nothing in between (`read`: the observed kinds' values; the interpreter reads
  // them for the op's own event): a recorder may take that reading as its own-thread read
  // instead of reading the kernel a second time. By default it reads again.
  virtual void commit_own_read(const trace::Record& owner, std::span<const trace::Record> attached,
                               const os::StateSet& read) {
    (void)read;
    commit(owner, attached, Observe::Own);
  }
  // Commits a G switch's Execute at virtual time `t` (ms): nothing attached, nothing read. Every
  // switch comes here, so a recorder may pack it without reading its clock (StepRecorder
  // does: switch_run.hpp); by default it is the plain event.
  virtual void execute(const trace::Execute& e, std::int64_t t) {
    trace::Record r = trace::encode(e);
    r.t = t;
    commit(r, {}, Observe::None);
  }
};

}  // namespace nsleak::rt
