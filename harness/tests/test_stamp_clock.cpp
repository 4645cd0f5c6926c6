// StampClock (the trace's microsecond stamps, scaled TSC counts between clock readings): every
// stamp lies between the real clock's readings taken around it, and stamps never go backwards.
// Past the first millisecond the stamps come from the TSC, so a wrong rate or anchor puts them
// outside that window.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "harness/runner/stamp_clock.hpp"

namespace {

using Steady = std::chrono::steady_clock;

}  // namespace

TEST_CASE("trace stamps stay within the real clock's readings around them and never go backwards", "[trace]") {
  // A first clock asks the CPU whether its TSC is invariant (a CPUID, which a VM traps: slow),
  // so the start of the clock under test is bracketed tightly.
  const nsleak::runner::StampClock first;
  const auto before_start = Steady::now();
  nsleak::runner::StampClock clock;
  const auto after_start = Steady::now();
  struct Sample {
    std::int64_t low, stamp, high;
  };
  std::vector<Sample> samples;
  samples.reserve(1 << 16);
  // About 5 ms of stamps (the count, not the time, bounds the loop): the calibration's first
  // millisecond and several re-anchorings after it.
  const auto us_since = [](Steady::time_point from, Steady::time_point to) {
    return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  };
  while (samples.size() < samples.capacity() && us_since(after_start, Steady::now()) < 5000) {
    const auto b = Steady::now();
    const std::int64_t s = clock.now_us();
    const auto a = Steady::now();
    // The stamp counts from a start between before_start and after_start; 2 us for the
    // truncation to whole microseconds and the scaled part's error.
    samples.push_back({us_since(after_start, b) - 2, s, us_since(before_start, a) + 2});
  }
  REQUIRE(samples.size() > 100);
  std::int64_t last = 0;
  std::size_t outside = 0, backwards = 0;
  for (const auto& x : samples) {
    if (x.stamp < x.low || x.stamp > x.high) ++outside;
    if (x.stamp < last) ++backwards;
    last = x.stamp;
  }
  CHECK(outside == 0);
  CHECK(backwards == 0);
}
