// Tracer: where the runtime reports what happens. The sandbox implements it by streaming one
// JSON record per event to the parent, each with a kernel snapshot of every task.
#pragma once

#include <nlohmann/json.hpp>

namespace nsleak::rt {

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Called with the baton held, on the thread the event happened on. `snapshot` asks for the
  // namespaces of every task to be read and recorded with the event.
  // An event is committed (visible to the parent) when this returns: the process may _exit
  // right after, so there is nothing to flush.
  virtual void event(nlohmann::json ev, bool snapshot) = 0;
};

}  // namespace nsleak::rt
