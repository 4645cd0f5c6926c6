// No heap allocation on the G switch path (issue 6, item 4). This file is its own executable
// because it replaces the global operator new/delete with counting versions, which must not
// affect the other suites.
//
// The measured window is 10,000 G switches on one M: two goroutines ping-pong with Gosched on
// procs=1, so the path is Gosched -> mcall -> gosched_m -> globrunqput -> schedule ->
// findRunnable (one candidate: no choice asked) -> execute. The tracer counts and, inside the
// window, drops events; building a trace record is the caller's work, done at the call site
// whatever the tracer does with it, so an allocating event on the path would show in the count.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <span>

#include "harness/runner/step_recorder.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/tests/support.hpp"

namespace {

std::atomic<long> g_allocs{0};

void* counted(std::size_t n, std::size_t align = 0) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (n + align - 1) / align * align)
                : std::malloc(n);
  return p;
}

void* counted_or_throw(std::size_t n, std::size_t align = 0) {
  if (void* p = counted(n, align)) return p;
  throw std::bad_alloc();
}

}  // namespace

// Every replaceable allocation function (C++17): plain, array, nothrow, aligned. Never inlined:
// the program calls the replacements ([replacement.functions]); inlined into this file's own
// callers, GCC pairs the body's free() with the new-expression that allocated and warns
// -Wmismatched-new-delete (at -O1, as build-tsan and build-asan compile this file).
[[gnu::noinline]] void* operator new(std::size_t n) { return counted_or_throw(n); }
[[gnu::noinline]] void* operator new[](std::size_t n) { return counted_or_throw(n); }
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
[[gnu::noinline]] void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
[[gnu::noinline]] void* operator new(std::size_t n, std::align_val_t a) {
  return counted_or_throw(n, static_cast<std::size_t>(a));
}
[[gnu::noinline]] void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_or_throw(n, static_cast<std::size_t>(a));
}
[[gnu::noinline]] void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}
[[gnu::noinline]] void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using namespace nsleak;

// Counts events; forwards them to the run's recorder except inside the measured window, where
// forwarding (snapshots read /proc) would allocate on the recorder's behalf. Counting itself
// allocates nothing: it compares the record's kind.
class CountingTracer : public rt::Tracer {
 public:
  explicit CountingTracer(rt::Tracer& out) : out_(out) {}
  bool measuring = false;
  long executes = 0;  // inside the window
  long others = 0;    // any other event inside the window

  void commit(const trace::Record& owner, std::span<const trace::Record> attached,
              rt::Observe observe) override {
    if (measuring) {
      ++(owner.kind == trace::kind_of<trace::Execute>() ? executes : others);
      return;
    }
    out_.commit(owner, attached, observe);
  }

 private:
  rt::Tracer& out_;
};

constexpr long kSwitches = 10000;
constexpr long kWarmup = 200;  // first-time allocations (the other G's stack, lazy init)

}  // namespace

TEST_CASE("10,000 G switches on one M perform no heap allocation", "[alloc]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const rt::Policy policy = rt::preset_policy("go1.12");
  auto rec = sandbox::run_sandboxed({}, [&](trace::TraceBuffer& buffer) {
    static CountingTracer* tracer = nullptr;
    tracer = new CountingTracer(*new runner::StepRecorder(buffer, test::kObserveNet));
    rt::Config cfg;
    cfg.policy = policy;
    cfg.tracer = tracer;
    cfg.procs = 1;
    cfg.idle_threads = 0;
    rt::run_main(cfg, [] {
      rt::Go([] {
        for (;;) rt::Gosched();
      }, "other");
      for (long i = 0; i < kWarmup; ++i) rt::Gosched();
      tracer->measuring = true;
      const long before = g_allocs.load();
      for (long i = 0; i < kSwitches / 2; ++i) rt::Gosched();  // each: there and back
      const long allocs = g_allocs.load() - before;
      tracer->measuring = false;
      test::note("alloc-count",
                 {{"allocs", allocs}, {"executes", tracer->executes}, {"others", tracer->others}});
    });
  });
  REQUIRE(rec.env_error.empty());
  const auto counts = test::notes(rec, "alloc-count");
  INFO("fault: " << test::fault(rec));
  REQUIRE(counts.size() == 1);
  const auto& c = counts.front();
  INFO(c.data.dump());
  CHECK(c["executes"].get<long>() == kSwitches);  // the window is the switches asked for
  CHECK(c["others"].get<long>() == 0);            // and nothing else: no choice, no park
  CHECK(c["allocs"].get<long>() == 0);
}
