#include "harness/trace/buffer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <new>

namespace nsleak::trace {

TraceBuffer::TraceBuffer(std::size_t capacity) {
  mapped_ = capacity * sizeof(Record) + 4096;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  header_ = new (p) Header{};
  data_ = reinterpret_cast<Record*>(static_cast<char*>(p) + 4096);
  capacity_ = capacity;
}

TraceBuffer::~TraceBuffer() {
  if (header_ != nullptr) ::munmap(header_, mapped_);
}

bool TraceBuffer::append(std::span<const Record> records) {
  const std::uint64_t at = header_->committed.load(std::memory_order_relaxed);
  if (at + records.size() > capacity_) {
    header_->overflow.store(1, std::memory_order_release);
    return false;
  }
  std::copy(records.begin(), records.end(), data_ + at);
  header_->committed.store(at + records.size(), std::memory_order_release);
  return true;
}

std::span<const Record> TraceBuffer::committed() const {
  return {data_, static_cast<std::size_t>(header_->committed.load(std::memory_order_acquire))};
}

void TraceBuffer::reset() {
  header_->committed.store(0, std::memory_order_release);
  header_->overflow.store(0, std::memory_order_release);
}

bool TraceBuffer::overflowed() const { return header_->overflow.load(std::memory_order_acquire) != 0; }

}  // namespace nsleak::trace
