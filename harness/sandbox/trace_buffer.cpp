#include "harness/sandbox/trace_buffer.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace nsleak::sandbox {

TraceBuffer::TraceBuffer(std::size_t capacity) {
  mapped_ = capacity + 4096;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  header_ = new (p) Header{};
  data_ = static_cast<char*>(p) + 4096;
  capacity_ = capacity;
}

TraceBuffer::~TraceBuffer() {
  if (header_ != nullptr) ::munmap(header_, mapped_);
}

bool TraceBuffer::append(std::string_view line) {
  const std::uint64_t at = header_->committed.load(std::memory_order_relaxed);
  if (at + line.size() + 1 > capacity_) {
    header_->overflow.store(1, std::memory_order_release);
    return false;
  }
  std::memcpy(data_ + at, line.data(), line.size());
  data_[at + line.size()] = '\n';
  header_->committed.store(at + line.size() + 1, std::memory_order_release);
  return true;
}

std::string_view TraceBuffer::read_from(std::size_t& offset) const {
  const std::uint64_t end = header_->committed.load(std::memory_order_acquire);
  std::string_view v(data_ + offset, end - offset);
  offset = end;
  return v;
}

bool TraceBuffer::overflowed() const { return header_->overflow.load(std::memory_order_acquire) != 0; }

}  // namespace nsleak::sandbox
