#include "harness/trace/buffer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "harness/trace/switch_run.hpp"

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

namespace {

// Records the writer maps ahead at a time: as many as it has already mapped (doubling), from
// 16 KiB up to 512 KiB of the buffer's pages. Most runs write a few hundred records (the
// article: about 70, two pages): a fixed 512 KiB first step zeroed and later freed 126 pages
// nobody wrote, about 5 % of a library run's or a zygote schedule's CPU (perf). A long run
// still maps 512 KiB per call after the first few.
constexpr std::size_t kFirstPopulateRecords = (std::size_t{16} << 10) / sizeof(Record);
constexpr std::size_t kPopulateRecords = (std::size_t{512} << 10) / sizeof(Record);

}  // namespace

// Maps the pages of the next records ahead, many at once: a first touch of each 4 KiB page of
// the shared mapping was a page fault per 32 records, about half of what a traced G switch
// cost. The pages are the same either way (shmem, zeroed on first use, counted in the RSS the
// watchdog reads once mapped), so ahead is only by one step.
void TraceBuffer::populate_through(std::size_t end) {
  if (!populate_ok_ || end <= populated_) return;
  // Whole pages (data_ is page-aligned, so populated_ stays on a page boundary), never past
  // the mapping's last page.
  constexpr std::size_t kPage = 4096;
  const auto page_up = [](std::size_t bytes) { return (bytes + kPage - 1) / kPage * kPage; };
  const std::size_t from = populated_ * sizeof(Record);
  const std::size_t ahead = std::clamp(populated_, kFirstPopulateRecords, kPopulateRecords);
  const std::size_t to = std::min(page_up(capacity_ * sizeof(Record)),
                                  page_up(std::max(end, populated_ + ahead) * sizeof(Record)));
  if (::madvise(reinterpret_cast<char*>(data_) + from, to - from, MADV_POPULATE_WRITE) != 0) {
    populate_ok_ = false;  // an older kernel (EINVAL): the records fault their pages in
    return;
  }
  populated_ = to / sizeof(Record);
}

Record* TraceBuffer::reserve(std::size_t n, std::uint64_t& at) {
  at = header_->committed.load(std::memory_order_relaxed);
  if (at + n > capacity_) {
    header_->overflow.store(1, std::memory_order_release);
    return nullptr;
  }
  populate_through(at + n);
  return data_ + at;
}

bool TraceBuffer::append(std::span<const Record> records) {
  open_run_end_ = 0;
  std::uint64_t at = 0;
  Record* to = reserve(records.size(), at);
  if (to == nullptr) return false;
  std::copy(records.begin(), records.end(), to);
  publish(at + records.size());
  return true;
}

bool TraceBuffer::append(const Record& r) {
  if (r.kind == kind_of<Execute>() && r.flags == 0 && r.len == 0) {
    Execute e;
    std::memcpy(&e, r.body, sizeof e);
    if (extend_run(e, r.seq, r.t)) return true;
  }
  open_run_end_ = 0;
  std::uint64_t at = 0;
  Record* to = reserve(1, at);
  if (to == nullptr) return false;
  if (start_switch_run(*to, r))
    open_run_end_ = at + 1;
  else
    *to = r;
  publish(at + 1);
  return true;
}

std::span<const Record> TraceBuffer::committed() const {
  return {data_, static_cast<std::size_t>(header_->committed.load(std::memory_order_acquire))};
}

void TraceBuffer::reset() {
  open_run_end_ = 0;
  header_->committed.store(0, std::memory_order_release);
  header_->overflow.store(0, std::memory_order_release);
}

bool TraceBuffer::overflowed() const { return header_->overflow.load(std::memory_order_acquire) != 0; }

}  // namespace nsleak::trace
