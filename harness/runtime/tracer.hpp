// Tracer: where the runtime reports what happens, as typed trace records (harness/trace).
// The run's recorder implements it: it stamps each event, takes a kernel snapshot of every
// task when asked, cross-checks it against the runtime's bookkeeping, and commits the records
// to the shared trace buffer.
#pragma once

#include <span>

#include "harness/trace/record.hpp"

namespace nsleak::rt {

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Commits one event: the records `attached` to it, then `owner`. With `snapshot`, the
  // namespaces of every task are read now and attached too. Called with the baton held, on
  // the thread the event happened on; committed (visible to the parent) when this returns,
  // since the process may _exit right after. Must not allocate on the scheduler's hot path.
  virtual void commit(const trace::Record& owner, std::span<const trace::Record> attached,
                      bool snapshot) = 0;
};

}  // namespace nsleak::rt
