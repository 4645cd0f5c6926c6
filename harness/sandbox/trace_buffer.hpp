// TraceBuffer: the event stream from the sandbox child to the parent, in shared memory.
//
// Mapped MAP_SHARED before fork, so every line the child commits is visible to the parent at
// once — no syscall per event (a G switch costs a memcpy, not a write(2)), and nothing
// committed is lost when the child crashes, deadlocks or is SIGKILLed at the timeout: the
// parent still holds the pages. Lines are appended by one writer at a time (the baton
// holder) and published with a release store of the committed length.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nsleak::sandbox {

class TraceBuffer {
 public:
  // Reserves `capacity` bytes of address space (pages are only used as written).
  explicit TraceBuffer(std::size_t capacity = std::size_t{256} << 20);
  ~TraceBuffer();
  TraceBuffer(const TraceBuffer&) = delete;
  TraceBuffer& operator=(const TraceBuffer&) = delete;
  bool ok() const { return header_ != nullptr; }

  // Child: appends one line (a '\n' is added). Returns false when full (the line is dropped
  // and the buffer marked overflowed).
  bool append(std::string_view line);
  // Parent: the bytes committed since `offset`, which is advanced past them.
  std::string_view read_from(std::size_t& offset) const;
  bool overflowed() const;

 private:
  struct Header {
    std::atomic<std::uint64_t> committed;
    std::atomic<std::uint32_t> overflow;
  };
  Header* header_ = nullptr;
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace nsleak::sandbox
