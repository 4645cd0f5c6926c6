#include "harness/trace/switch_run.hpp"

#include <atomic>
#include <cstring>

namespace nsleak::trace {

bool start_switch_run(Record& run, const Record& execute) {
  // A plain Execute owner record (nothing attached, no snapshot) whose G fits an entry.
  if (execute.kind != kind_of<Execute>() || execute.flags != 0 || execute.field != 0 || execute.len != 0) return false;
  Execute e;
  std::memcpy(&e, execute.body, sizeof e);
  if (!switch_run_fits(e)) return false;
  run.kind = kSwitchRunKind;
  run.flags = 0;
  run.field = 0;
  run.len = 1;
  run.seq = execute.seq;
  run.us = execute.us;
  run.t = execute.t;
  const SwitchRunHead head{e.m, e.tid};
  const auto first = static_cast<SwitchRunEntry>(e.g);
  std::memcpy(run.body, &head, sizeof head);
  std::memcpy(switch_run_entry_at(run, 0), &first, sizeof first);
  return true;
}

std::uint32_t switch_run_size(const Record& run) {
  // A committed record in shared memory, written only by the child: never written through here.
  const std::uint32_t n = std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(run.len)).load(std::memory_order_acquire);
  return n < kSwitchRunEntries ? n : static_cast<std::uint32_t>(kSwitchRunEntries);
}

Record switch_run_event(const Record& run, std::uint32_t i) {
  SwitchRunHead head;
  SwitchRunEntry g;
  std::memcpy(&head, run.body, sizeof head);
  std::memcpy(&g, run.body + sizeof(SwitchRunHead) + i * sizeof(SwitchRunEntry), sizeof g);
  Record r = encode(Execute{g, head.m, head.tid});
  r.seq = run.seq + i;
  r.us = run.us;
  r.t = run.t;
  return r;
}

}  // namespace nsleak::trace
