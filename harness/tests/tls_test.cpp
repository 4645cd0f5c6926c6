// The TLS rule (ARCHITECTURE.md §"The miniature runtime"): G code may resume on another OS
// thread after any call that can switch, so the current M must be read fresh through the one
// non-inlined accessor, never cached. This file is its own executable, built at -O2 with LTO
// (see meson.build), so that an accessor the optimiser could fold or hoist across a switch
// would show up here: goroutines that migrate many times compare, after every switch point,
// the runtime's idea of their M (rt::getm()->tid, rt::current_mid()) with the kernel's
// (syscall(SYS_gettid)).
#include <catch2/catch.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "harness/runtime/sched.hpp"
#include "harness/tests/support.hpp"

using namespace nsleak;
using nlohmann::json;

namespace {

// What one goroutine saw; kept on its own stack, reported once at the end.
struct Tally {
  std::int64_t goid = 0;
  long checks = 0;
  long tid_mismatches = 0;  // rt::getm()->tid != gettid()
  long mid_mismatches = 0;  // rt::current_mid() != rt::getm()->id
  long g_mismatches = 0;    // the G changed identity
  long moves = 0;           // consecutive checks on different threads
  // Control: the M read once at the start and kept — what the rule forbids. It must go stale
  // (else the checks above prove nothing about migration).
  const rt::M* cached = nullptr;
  long stale_cache = 0;
  long last_tid = 0;
  std::set<long> tids;
};

// After a switch point: does the runtime's M match the kernel's thread?
void check(Tally& t) {
  const long kernel = ::syscall(SYS_gettid);
  rt::M* mp = rt::getm();
  ++t.checks;
  if (static_cast<long>(mp->tid) != kernel) ++t.tid_mismatches;
  if (rt::current_mid() != mp->id) ++t.mid_mismatches;
  if (rt::current_goid() != t.goid) ++t.g_mismatches;
  if (t.cached == nullptr) t.cached = mp;
  if (static_cast<long>(t.cached->tid) != kernel) ++t.stale_cache;
  if (t.last_tid != 0 && kernel != t.last_tid) ++t.moves;
  t.last_tid = kernel;
  t.tids.insert(kernel);
}

void report(const Tally& t) {
  test::note("tally", {{"checks", t.checks},
                       {"tid_mismatches", t.tid_mismatches},
                       {"mid_mismatches", t.mid_mismatches},
                       {"g_mismatches", t.g_mismatches},
                       {"moves", t.moves},
                       {"stale_cache", t.stale_cache},
                       {"threads", t.tids.size()}});
}

constexpr int kRounds = 40;

// One side of a ping-pong pair: every channel op parks one side, so the pair keeps moving
// between Ms as the strategy hands the baton around.
void pinger(rt::Chan& ping, rt::Chan& pong, rt::WaitGroup& wg) {
  Tally t;
  t.goid = rt::current_goid();
  check(t);
  for (int k = 0; k < kRounds; ++k) {
    ping.send();
    check(t);
    rt::Checkpoint();
    check(t);
    pong.recv();
    check(t);
    rt::Gosched();
    check(t);
  }
  report(t);
  wg.Done();
}

void ponger(rt::Chan& ping, rt::Chan& pong, rt::WaitGroup& wg) {
  Tally t;
  t.goid = rt::current_goid();
  check(t);
  for (int k = 0; k < kRounds; ++k) {
    ping.recv();
    check(t);
    if (k % 5 == 0) {
      rt::BlockingSyscall([&] { check(t); });  // the call runs on the G's own thread
      check(t);
    }
    if (k % 7 == 0) {
      rt::Sleep(1);
      check(t);
    }
    if (k % 11 == 0) {
      rt::LockOSThread();
      check(t);
      rt::Gosched();
      check(t);
      rt::UnlockOSThread();
      check(t);
    }
    rt::Checkpoint();
    check(t);
    pong.send();
    check(t);
  }
  report(t);
  wg.Done();
}

void program() {
  rt::WaitGroup wg("wg");
  rt::Chan ping1("ping1"), pong1("pong1"), ping2("ping2"), pong2("pong2");
  wg.Add(4);
  rt::Go([&] { pinger(ping1, pong1, wg); }, "pinger");
  rt::Go([&] { ponger(ping1, pong1, wg); }, "ponger");
  rt::Go([&] { pinger(ping2, pong2, wg); }, "pinger");
  rt::Go([&] { ponger(ping2, pong2, wg); }, "ponger");
  Tally t;
  t.goid = rt::current_goid();
  check(t);
  wg.Wait();
  check(t);
  report(t);
}

}  // namespace

TEST_CASE("A goroutine that migrates always sees its current M as the thread it runs on",
          "[tls]") {
  NSLEAK_REQUIRE_NAMESPACES();
  long total_moves = 0, total_stale = 0;
  for (int procs : {2, 3}) {
    for (const std::string strategy : {"go-order", "random:1", "random:2", "random:3", "random:4"}) {
      test::Program p;
      p.procs = procs;
      p.idle_threads = 2;
      p.strategy = strategy;
      const auto r = test::run_program(p, program);
      INFO("procs " << procs << ", " << strategy);
      REQUIRE(r.env_error.empty());
      REQUIRE(test::completed(r));
      CHECK(test::events<trace::Disagreement>(r).empty());
      const auto tallies = test::notes(r, "tally");
      REQUIRE(tallies.size() == 5);
      long run_moves = 0;
      for (const auto& t : tallies) {
        INFO(t.data.dump());
        CHECK(t["checks"].get<long>() > 0);
        CHECK(t["tid_mismatches"] == 0);
        CHECK(t["mid_mismatches"] == 0);
        CHECK(t["g_mismatches"] == 0);
        CHECK(t["tid"] == t["gettid"]);  // and the same through support's note()
        run_moves += t["moves"].get<long>();
        total_stale += t["stale_cache"].get<long>();
      }
      if (strategy != "go-order") CHECK(run_moves >= 10);  // the Gs really migrated
      total_moves += run_moves;
    }
  }
  CHECK(total_moves >= 100);
  CHECK(total_stale > 0);  // a cached M would have been wrong: the checks had teeth
}
