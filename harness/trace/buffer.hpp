// TraceBuffer: the trace records from the sandbox child to the parent, in shared memory.
//
// Mapped MAP_SHARED before fork, so every record the child commits is visible to the parent
// at once — no syscall per event (a G switch costs a memcpy, not a write(2)), and nothing
// committed is lost when the child crashes, deadlocks or is SIGKILLed at the timeout: the
// parent still holds the pages. Records are appended by one writer at a time (the baton
// holder) and published with a release store of the committed count.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "harness/trace/record.hpp"
#include "harness/trace/switch_run.hpp"

namespace nsleak::trace {

// Records a run's trace may hold by default (SandboxOptions::trace_records): 512 MiB of address
// space, reserved, not used. fixtures/valid/limits.json, every parser limit at its bound, takes
// about 2.7 million.
inline constexpr std::size_t kDefaultTraceRecords = std::size_t{4} << 20;
// The most `nsleak run/test --trace-records` takes: 2 GiB of address space, and the parent's
// decoding of a buffer that full (see README, Reliability: limits).
inline constexpr std::size_t kMaxTraceRecords = std::size_t{16} << 20;

class TraceBuffer {
 public:
  // Reserves room for `capacity` records (pages are only used as written).
  explicit TraceBuffer(std::size_t capacity = kDefaultTraceRecords);
  ~TraceBuffer();
  TraceBuffer(const TraceBuffer&) = delete;
  TraceBuffer& operator=(const TraceBuffer&) = delete;
  bool ok() const { return header_ != nullptr; }

  // Child: appends records, all or none. Returns false when they do not fit (nothing is
  // written and the buffer is marked overflowed).
  bool append(std::span<const Record> records);
  // ... one record. A plain Execute (every G switch's) that continues the switch run this
  // writer appended last is added to that record (switch_run.hpp): 4 bytes, not 128, and its
  // stamp (us) is dropped for the run's.
  bool append(const Record& r);
  // Adds Execute `e` (sequence number `seq`, virtual time `t`) to the switch run this writer
  // appended last, when it continues it: the G switch's path, which reads no clock when this
  // returns true. False: nothing written (append a stamped record instead).
  bool extend_run(const Execute& e, std::int64_t seq, std::int64_t t) {
    // The open run is the last committed record, already published: extending it is its entry
    // and its count's release store, nothing else. Inline: every traced G switch.
    return open_run_end_ != 0 && open_run_end_ == header_->committed.load(std::memory_order_relaxed) &&
           extend_switch_run(data_[open_run_end_ - 1], e, seq, t);
  }
  // Parent: every record committed so far.
  std::span<const Record> committed() const;
  bool overflowed() const;
  std::size_t capacity() const { return capacity_; }
  // Parent, while no child writes: empty again, for the next run (a zygote's runs reuse one
  // buffer, mapped before the zygote was forked).
  void reset();

 private:
  struct Header {
    std::atomic<std::uint64_t> committed;
    std::atomic<std::uint32_t> overflow;
  };
  void populate_through(std::size_t end);
  // Both appends' first step: room for `n` records at the end, mapped ahead. Returns where
  // they go and sets `at` to their index; nullptr when they do not fit (the buffer is marked
  // overflowed). The records are the caller's to write, then publish(at + n).
  Record* reserve(std::size_t n, std::uint64_t& at);
  void publish(std::uint64_t end) { header_->committed.store(end, std::memory_order_release); }

  Header* header_ = nullptr;
  Record* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t mapped_ = 0;
  // The writer's own: records [0, populated_) are mapped writable in this process's page
  // tables. A fork's copy starts at what its parent had made (a parent never writes: 0).
  std::size_t populated_ = 0;
  bool populate_ok_ = true;  // MADV_POPULATE_WRITE works here (Linux 5.14+)
  // The writer's own too: 1 + the index of the switch run its last append started or
  // extended, 0 when its last append was anything else (a fork's copy: its parent's, 0).
  std::uint64_t open_run_end_ = 0;
};

}  // namespace nsleak::trace
