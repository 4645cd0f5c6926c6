#include "harness/explore/state_cache.hpp"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

#include "harness/runner/run_server.hpp"

namespace nsleak::explore {

struct FingerprintTable::Shared {
  std::uint64_t next = 0;    // parent: the last run number handed out
  std::uint64_t run = 0;     // child: the run number it found at start (= next)
  std::uint64_t first = 0;   // child: choices before it were not fingerprinted
  std::uint64_t count = 0;   // child: choices seen so far
  rt::Fingerprint fp[kMaxChoices];
  std::uint8_t has[kMaxChoices];
};

FingerprintTable::FingerprintTable() {
  void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("state cache: mmap of the fingerprint table failed");
  s_ = new (p) Shared;
}

FingerprintTable::~FingerprintTable() { ::munmap(s_, sizeof(Shared)); }

std::uint64_t FingerprintTable::begin_run() {
  s_->run = 0;
  s_->count = 0;
  return ++s_->next;
}

std::vector<std::optional<rt::Fingerprint>> FingerprintTable::read(std::uint64_t run) const {
  std::vector<std::optional<rt::Fingerprint>> out;
  if (s_->run != run) return out;  // the run never started its strategy (or another wrote)
  const std::size_t n = std::min<std::size_t>(s_->count, kMaxChoices);
  out.resize(n);
  for (std::size_t i = s_->first; i < n; ++i)
    if (s_->has[i]) out[i] = s_->fp[i];
  return out;
}

void FingerprintTable::start(std::size_t first) {
  s_->first = first;
  s_->count = 0;
  s_->run = s_->next;
}

void FingerprintTable::put(std::size_t i, const std::optional<rt::Fingerprint>& fp) {
  if (i >= kMaxChoices) return;
  s_->has[i] = fp.has_value();
  if (fp) s_->fp[i] = *fp;
  s_->count = i + 1;
}

std::size_t FingerprintingStrategy::choose(const rt::Choice& c) {
  const std::size_t i = i_++;
  table_->put(i, i >= first_ ? rt::state_fingerprint(c) : std::nullopt);
  return inner_->choose(c);
}

std::vector<std::optional<rt::Fingerprint>> go_order_fingerprints(const scenario::Scenario& sc, const runner::RunOptions& opt) {
  FingerprintTable table;
  runner::RunServer srv({&sc}, opt.sandbox, [&table](const std::string&) -> std::unique_ptr<rt::Strategy> {
    return std::make_unique<FingerprintingStrategy>(std::make_unique<rt::GoOrderStrategy>(), &table, 0);
  });
  const std::uint64_t run = table.begin_run();
  (void)srv.run(0, opt, "g");
  return table.read(run);
}

}  // namespace nsleak::explore
