// Tracer: where the runtime reports what happens. The sandbox implements it by streaming one
// JSON record per event to the parent, each with a kernel snapshot of every task.
#pragma once

#include <cstdint>
#include <span>
#include <nlohmann/json.hpp>
#include <utility>

namespace nsleak::rt {

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Called with the baton held, on the thread the event happened on. `snapshot` asks for the
  // namespaces of every task to be read and recorded with the event.
  // An event is committed (visible to the parent) when this returns: the process may _exit
  // right after, so there is nothing to flush.
  virtual void event(nlohmann::json ev, bool snapshot) = 0;

  // The same for the scheduler's hot-path events (execute, ready, handoffp, ...), whose fields
  // are all integers: formatted without building a JSON object, never with a snapshot.
  using IntField = std::pair<const char*, std::int64_t>;
  virtual void int_event(const char* kind, std::span<const IntField> fields) = 0;
};

}  // namespace nsleak::rt
