// StampClock: the microseconds since the run's start that StepRecorder stamps on every event
// (Record::us, the reports' timeline and trace-event times). Every G switch is an event, and
// clock_gettime was the largest single cost of a traced switch (37 ns here, in a VM; a bare
// rdtsc is half of that). So between readings of the real clock the time is the TSC's count
// since the last reading, scaled by the TSC's rate measured against that clock over the run
// so far. The clock is read again at least every kReanchorUs, so the scaled part never spans
// more than that, and the values never go backwards. A reading counts as an anchor only when
// the TSC counts taken just before and after it are close (the thread was not preempted in
// between): then the rate's error is a few hundred ticks over at least kCalibrateUs, and the
// scaled part's error stays well below a microsecond. Without an invariant TSC (or off x86-64)
// every stamp is the real clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace nsleak::runner {

class StampClock {
 public:
  StampClock();
  std::int64_t now_us();
  // Asks the CPU, once per process, whether its TSC is invariant (CPUID, which a VM traps: ~20
  // µs here). A fork server calls it before its first fork, so that no run's child asks again.
  static void probe_tsc();

 private:
  std::int64_t read_clock();  // the real clock; re-anchors and re-rates when the reading is tight
  bool tight(std::uint64_t before, std::uint64_t after);

  static constexpr std::int64_t kCalibrateUs = 1000;  // the shortest span a rate is taken from
  static constexpr std::int64_t kReanchorUs = 1000;  // the longest span the TSC alone covers
  std::chrono::steady_clock::time_point start_;
  std::uint64_t start_tsc_ = 0;
  std::uint64_t narrowest_ = ~std::uint64_t{0};  // the fewest ticks a clock reading took
  bool use_tsc_ = false;
  double us_per_tick_ = 0;         // 0: not measured yet (the first kCalibrateUs)
  std::uint64_t reanchor_ticks_ = 0;
  std::uint64_t anchor_tsc_ = 0;
  std::int64_t anchor_us_ = 0;
  std::int64_t last_us_ = 0;
};

}  // namespace nsleak::runner
