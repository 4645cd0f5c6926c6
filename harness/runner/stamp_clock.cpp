#include "harness/runner/stamp_clock.hpp"

#include <algorithm>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace nsleak::runner {
namespace {

#if defined(__x86_64__)
// CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every power state and is the same
// on every core (Linux's constant_tsc + nonstop_tsc), so a count is a time on any CPU the
// child migrates to. Asked once per process: a VM traps CPUID.
bool invariant_tsc() {
  static const bool yes = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_max(0x80000000, nullptr) < 0x80000007) return false;
    __cpuid(0x80000007, a, b, c, d);
    return (d & (1u << 8)) != 0;
  }();
  return yes;
}
std::uint64_t tsc() { return __rdtsc(); }
#else
bool invariant_tsc() { return false; }
std::uint64_t tsc() { return 0; }
#endif

}  // namespace

void StampClock::probe_tsc() { (void)invariant_tsc(); }

StampClock::StampClock() : use_tsc_(invariant_tsc()) {
  // The start: a tight reading if one comes within a few tries (the rate is measured from it).
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t before = tsc();
    start_ = std::chrono::steady_clock::now();
    const std::uint64_t after = tsc();
    start_tsc_ = before + (after - before) / 2;
    if (!use_tsc_ || tight(before, after)) break;
  }
  anchor_tsc_ = start_tsc_;
}

// A reading whose TSC counts around it are within twice the narrowest seen (plus a margin for
// the counts' own jitter): the clock's value is the time of their midpoint within that.
bool StampClock::tight(std::uint64_t before, std::uint64_t after) {
  const std::uint64_t width = after - before;
  narrowest_ = std::min(narrowest_, width);
  return width <= 2 * narrowest_ + 64;
}

std::int64_t StampClock::read_clock() {
  const std::uint64_t before = use_tsc_ ? tsc() : 0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  if (use_tsc_) {
    const std::uint64_t after = tsc();
    if (tight(before, after)) {
      const std::uint64_t mid = before + (after - before) / 2;
      anchor_tsc_ = mid;
      anchor_us_ = us;
      if (us >= kCalibrateUs && mid > start_tsc_) {
        // The rate over the whole run so far: the longer the span, the smaller the readings'
        // own width in it.
        us_per_tick_ = static_cast<double>(us) / static_cast<double>(mid - start_tsc_);
        reanchor_ticks_ = static_cast<std::uint64_t>(static_cast<double>(kReanchorUs) / us_per_tick_);
      }
    }
  }
  return last_us_ = std::max(last_us_, us);
}

std::int64_t StampClock::now_us() {
  if (!use_tsc_) return read_clock();
  // Unsigned: a count behind the anchor (another core's TSC a few ticks behind) is huge and
  // reads the clock.
  const std::uint64_t ticks = tsc() - anchor_tsc_;
  if (us_per_tick_ == 0 || ticks >= reanchor_ticks_) return read_clock();
  const auto us = anchor_us_ + static_cast<std::int64_t>(static_cast<double>(ticks) * us_per_tick_);
  return last_us_ = std::max(last_us_, us);
}

}  // namespace nsleak::runner
