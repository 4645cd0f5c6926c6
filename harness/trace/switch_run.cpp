#include "harness/trace/switch_run.hpp"

#include <atomic>
#include <cstring>
#include <limits>

namespace nsleak::trace {
namespace {

std::byte* entry_at(Record& run, std::size_t i) {
  return run.body + sizeof(SwitchRunHead) + i * sizeof(SwitchRunEntry);
}

// A plain Execute owner record (nothing attached, no snapshot) whose G fits an entry: its event.
bool packable(const Record& r, Execute& e) {
  if (r.kind != kind_of<Execute>() || r.flags != 0 || r.field != 0 || r.len != 0) return false;
  std::memcpy(&e, r.body, sizeof e);
  return e.g >= std::numeric_limits<std::int32_t>::min() && e.g <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace

bool start_switch_run(Record& run, const Record& execute) {
  Execute e;
  if (!packable(execute, e)) return false;
  run.kind = kSwitchRunKind;
  run.flags = 0;
  run.field = 0;
  run.len = 1;
  run.seq = execute.seq;
  run.us = execute.us;
  run.t = execute.t;
  const SwitchRunHead head{e.m, e.tid};
  const SwitchRunEntry first{0, static_cast<std::int32_t>(e.g)};
  std::memcpy(run.body, &head, sizeof head);
  std::memcpy(entry_at(run, 0), &first, sizeof first);
  return true;
}

bool extend_switch_run(Record& run, const Record& execute) {
  const std::uint32_t n = run.len;  // the writer's own record: no other writer changes it
  if (run.kind != kSwitchRunKind || n >= kSwitchRunEntries) return false;
  Execute e;
  if (!packable(execute, e)) return false;
  SwitchRunHead head;
  std::memcpy(&head, run.body, sizeof head);
  const std::int64_t dus = execute.us - run.us;
  if (head.m != e.m || head.tid != e.tid || execute.t != run.t || execute.seq != run.seq + n || dus < 0 ||
      dus > std::numeric_limits<std::uint32_t>::max())
    return false;
  const SwitchRunEntry entry{static_cast<std::uint32_t>(dus), static_cast<std::int32_t>(e.g)};
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
  SwitchRunEntry entry;
  std::memcpy(&head, run.body, sizeof head);
  std::memcpy(&entry, run.body + sizeof(SwitchRunHead) + i * sizeof(SwitchRunEntry), sizeof entry);
  Record r = encode(Execute{entry.g, head.m, head.tid});
  r.seq = run.seq + i;
  r.us = run.us + entry.dus;
  r.t = run.t;
  return r;
}

}  // namespace nsleak::trace
