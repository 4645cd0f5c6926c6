#include "harness/trace/switch_run.hpp"

#include <atomic>
#include <cstring>
#include <limits>

namespace nsleak::trace {
namespace {

std::byte* entry_at(Record& run, std::size_t i) {
  return run.body + sizeof(SwitchRunHead) + i * sizeof(SwitchRunEntry);
}

bool fits(const Execute& e) {
  return e.g >= std::numeric_limits<std::int32_t>::min() && e.g <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace

bool start_switch_run(Record& run, const Record& execute) {
  // A plain Execute owner record (nothing attached, no snapshot) whose G fits an entry.
  if (execute.kind != kind_of<Execute>() || execute.flags != 0 || execute.field != 0 || execute.len != 0) return false;
  Execute e;
  std::memcpy(&e, execute.body, sizeof e);
  if (!fits(e)) return false;
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
  std::memcpy(entry_at(run, 0), &first, sizeof first);
  return true;
}

bool extend_switch_run(Record& run, const Execute& e, std::int64_t seq, std::int64_t t) {
  const std::uint32_t n = run.len;  // the writer's own record: no other writer changes it
  if (run.kind != kSwitchRunKind || n >= kSwitchRunEntries || !fits(e)) return false;
  SwitchRunHead head;
  std::memcpy(&head, run.body, sizeof head);
  if (head.m != e.m || head.tid != e.tid || t != run.t || seq != run.seq + n) return false;
  const auto entry = static_cast<SwitchRunEntry>(e.g);
  std::memcpy(entry_at(run, n), &entry, sizeof entry);
  std::atomic_ref<std::uint32_t>(run.len).store(n + 1, std::memory_order_release);
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
