// SwitchRun: consecutive Execute events (G switches) of one M, packed into one trace record.
//
// Every G switch is an Execute event, and as a record of its own each one cost a 128-byte
// record, so a run of switches wrote a fresh shared-memory page every 32 switches: the kernel
// allocating, zeroing and charging those pages was about half of what a traced G switch cost
// (perf, the switch bench). An Execute that follows another Execute of the same M, with
// nothing between them, adds one 8-byte entry to the record that holds the previous one: a
// page now holds 32 × kSwitchRunEntries switches. Nothing is lost: the record keeps the
// first event's seq, us and t, and each entry its G and its microseconds past the first, so
// decode() gives back exactly the Execute events written (seq consecutive, one t). An Execute
// that cannot be packed (another M, another virtual time, a goid past 32 bits, a run full)
// starts a new run or stays a plain Execute record, which decode() reads as before.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/trace/record.hpp"

namespace nsleak::trace {

struct SwitchRunHead {
  MId m = kNoM;
  std::int32_t tid = 0;
};
struct SwitchRunEntry {
  std::uint32_t dus = 0;  // microseconds past the run's first event (Record::us)
  std::int32_t g = 0;
};
inline constexpr std::size_t kSwitchRunEntries = (kRecordBody - sizeof(SwitchRunHead)) / sizeof(SwitchRunEntry);
static_assert(kSwitchRunEntries == 11);

// Writes into `run` a run holding only `execute` (a plain Execute owner record, stamped);
// false, `run` untouched, when it cannot be packed.
bool start_switch_run(Record& run, const Record& execute);
// Adds `execute` to the run in `run` when it continues it (the next seq, the same M, thread
// and virtual time, room left): the entry is written, then Record::len is release-stored, so
// a reader never sees a count that includes an unwritten entry. False: `run` untouched.
bool extend_switch_run(Record& run, const Record& execute);
// The number of Execute events in run record `run` (acquire: pairs with extend's store).
std::uint32_t switch_run_size(const Record& run);
// The i-th Execute event of run record `run` as a plain Execute record (i < switch_run_size).
Record switch_run_event(const Record& run, std::uint32_t i);

}  // namespace nsleak::trace
