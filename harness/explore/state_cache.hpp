// The exhaustive search's state cache (docs/scheduler.md §Pruning): a schedule's run records
// the state fingerprint at each of its choice points (rt::state_fingerprint, where the point
// is quiescent); the search skips the subtree below a choice point whose (fingerprint, outcome
// so far) it has already expanded with at least as many deviations left.
//
// The fingerprints cross from the run's child to the search through a table in shared memory,
// one per worker, mapped before the worker's zygote is forked (so every run of that zygote
// writes the same pages) and read by the worker after each run; runs of one worker never
// overlap, so the table needs no locking.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"
#include "harness/runtime/fingerprint.hpp"
#include "harness/scenario/scenario.hpp"

namespace nsleak::explore {

class FingerprintTable {
 public:
  static constexpr std::size_t kMaxChoices = 1u << 14;  // beyond: no fingerprint (never merged)
  FingerprintTable();
  ~FingerprintTable();
  FingerprintTable(const FingerprintTable&) = delete;
  FingerprintTable& operator=(const FingerprintTable&) = delete;

  // Parent, before a run: the next run's number; after it: the fingerprints it recorded (none
  // unless the run that wrote them was that one), by choice index.
  std::uint64_t begin_run();
  std::vector<std::optional<rt::Fingerprint>> read(std::uint64_t run) const;

  // Child: a run starts (from `first` on, its choices are fingerprinted); choice `i` was `fp`.
  void start(std::size_t first);
  void put(std::size_t i, const std::optional<rt::Fingerprint>& fp);

 private:
  struct Shared;
  Shared* s_;
};

// Wraps a strategy: before each choice, records the state's fingerprint in `table` (from
// choice `first` on), then answers as `inner` does. In the run's child.
class FingerprintingStrategy final : public rt::Strategy {
 public:
  FingerprintingStrategy(std::unique_ptr<rt::Strategy> inner, FingerprintTable* table, std::size_t first)
      : inner_(std::move(inner)), table_(table), first_(first) {
    table_->start(first_);
  }
  std::string name() const override { return inner_->name(); }
  std::size_t choose(const rt::Choice& c) override;

 private:
  std::unique_ptr<rt::Strategy> inner_;
  FingerprintTable* table_;
  std::size_t first_;
  std::size_t i_ = 0;
};

// The go-order run of `sc` (through a fork server, as the search runs it) and the fingerprint
// at each of its choices: for tests of the fingerprint itself.
std::vector<std::optional<rt::Fingerprint>> go_order_fingerprints(const scenario::Scenario& sc, const runner::RunOptions& opt);

}  // namespace nsleak::explore
