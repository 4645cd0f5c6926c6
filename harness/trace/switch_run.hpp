// SwitchRun: consecutive Execute events (G switches) of one M, packed into one trace record.
//
// Every G switch is an Execute event, and as a record of its own each one cost a 128-byte
// record, so a run of switches wrote a fresh shared-memory page every 32 switches: the kernel
// allocating, zeroing and charging those pages was about half of what a traced G switch cost
// (perf, the switch bench). An Execute that follows another Execute of the same M, with
// nothing between them, adds one 4-byte entry (its G) to the record that holds the previous
// one: a page now holds 32 × kSwitchRunEntries switches.
//
// One stamp per run: the record keeps the first event's seq, us and t, and the events after
// the first are not stamped at all — reading the clock was the largest single cost left in a
// traced switch (an rdtsc is 19 ns in this VM, the whole switch about 130). decode() gives
// back the Execute events written, seq consecutive, one t, each with the run's us and
// Event::run_stamp set on all but the first: such an event happened at or after that time and
// before the next event's (nothing else was recorded in between, or the run would have ended).
// An Execute that cannot be packed (another M, another virtual time, a goid past 32 bits, a
// run full) starts a new run or stays a plain Execute record, which decode() reads as before.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "harness/trace/record.hpp"

namespace nsleak::trace {

struct SwitchRunHead {
  MId m = kNoM;
  std::int32_t tid = 0;
};
using SwitchRunEntry = std::int32_t;  // the G
inline constexpr std::size_t kSwitchRunEntries = (kRecordBody - sizeof(SwitchRunHead)) / sizeof(SwitchRunEntry);
static_assert(kSwitchRunEntries == 22);

// Whether Execute `e` can be an entry (its G fits 32 bits), and where entry i of a run goes.
inline bool switch_run_fits(const Execute& e) {
  return e.g >= std::numeric_limits<SwitchRunEntry>::min() && e.g <= std::numeric_limits<SwitchRunEntry>::max();
}
inline std::byte* switch_run_entry_at(Record& run, std::size_t i) {
  return run.body + sizeof(SwitchRunHead) + i * sizeof(SwitchRunEntry);
}

// Writes into `run` a run holding only `execute` (a plain Execute owner record, stamped);
// false, `run` untouched, when it cannot be packed.
bool start_switch_run(Record& run, const Record& execute);
// Adds Execute `e`, the event of sequence number `seq` at virtual time `t`, to the run in
// `run` when it continues it (the next seq, the same M, thread and virtual time, room left):
// the entry is written, then Record::len is release-stored, so a reader never sees a count
// that includes an unwritten entry. False: `run` untouched. Nothing is stamped: the run's is
// the event's. Inline: it is on every traced G switch.
inline bool extend_switch_run(Record& run, const Execute& e, std::int64_t seq, std::int64_t t) {
  const std::uint32_t n = run.len;  // the writer's own record: no other writer changes it
  if (run.kind != kSwitchRunKind || n >= kSwitchRunEntries || !switch_run_fits(e)) return false;
  SwitchRunHead head;
  std::memcpy(&head, run.body, sizeof head);
  if (head.m != e.m || head.tid != e.tid || t != run.t || seq != run.seq + n) return false;
  const auto entry = static_cast<SwitchRunEntry>(e.g);
  std::memcpy(switch_run_entry_at(run, n), &entry, sizeof entry);
  std::atomic_ref<std::uint32_t>(run.len).store(n + 1, std::memory_order_release);
  return true;
}
// The number of Execute events in run record `run` (acquire: pairs with extend's store).
std::uint32_t switch_run_size(const Record& run);
// The i-th Execute event of run record `run` as a plain Execute record (i < switch_run_size),
// stamped with the run's us.
Record switch_run_event(const Record& run, std::uint32_t i);

}  // namespace nsleak::trace
