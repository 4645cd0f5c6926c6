// Fault injection that cannot collide with real fds (issue 12, item 3): the marker is in the
// flag bits of the call (setns's nstype, unshare's flags), so any number of namespace handles
// leaves normal calls untouched; every injectable errno is the kernel's answer to a real,
// marked call; and a new M's clone can fail with EAGAIN, reported as Go reports it.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "harness/os/fault_injection.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/tests/support.hpp"
#include "harness/verdict/verdict_kind.hpp"

using namespace nsleak;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

scenario::Scenario parse(const std::string& text) {
  return scenario::parse_scenario(text, "t.json",
                                  scenario::ParseOptions{rt::policy_names(), verdict::verdict_names()});
}

}  // namespace

TEST_CASE("every injectable errno is the answer to a real marked setns and unshare, which change nothing",
          "[faults]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  const auto r = test::run_program(p, [] {
    rt::LockOSThread();
    os::NsHandle origin;
    if (auto e = os::open_current(os::StateKind::Uts, origin); !e.ok()) rt::fatal("test: " + e.message());
    for (int err : os::kFaultErrnos) {
      const auto s = os::set_ns(origin, err);
      const auto u = os::unshare_state(os::StateKind::Uts, err);
      test::note("fault", {{"want", err}, {"setns", s.err}, {"unshare", u.err},
                           {"same", os::current_value(os::StateKind::Uts) == origin.id}});
    }
    const auto ok = os::set_ns(origin);
    test::note("normal", {{"err", ok.err}});
  });
  const auto faults = test::notes(r, "fault");
  REQUIRE(faults.size() == os::kFaultErrnos.size());
  for (const auto& f : faults) {
    INFO(f.data.dump());
    CHECK(f["setns"] == f["want"]);
    CHECK(f["unshare"] == f["want"]);
    CHECK(f["same"] == true);
  }
  const auto normal = test::notes(r, "normal");
  REQUIRE(normal.size() == 1);
  CHECK(normal[0]["err"] == 0);
}

TEST_CASE("900 named namespaces hold real fds where markers once were; normal setns is never faulted",
          "[faults][limits]") {
  NSLEAK_REQUIRE_NAMESPACES();
  constexpr int kNamed = 910;  // fds 900..906 were the markers
  std::string main = R"([{"op": "lock"})";
  for (int i = 0; i < kNamed; ++i) main += R"(, {"op": "unshare", "state": "uts", "as": "n)" + std::to_string(i) + "\"}";
  main += R"(, {"op": "setns", "state": "uts", "to": "n450"}, {"op": "expect", "state": "uts", "is": "n450"})";
  main += R"(, {"op": "setns", "state": "uts", "to": "n903"}, {"op": "expect", "state": "uts", "is": "n903"})";
  main += R"(, {"op": "setns", "state": "uts", "to": "origin"}, {"op": "expect", "state": "uts", "is": "origin"}])";
  const auto sc = parse(R"({"name": "many", "main": )" + main + R"(, "expect": {"go1.12": {"absent": ["stale-belief"]}}})");
  runner::RunOptions o;
  o.sandbox.timeout_s = 60;
  const auto r = runner::run_scenario(sc, o);
  INFO(r.judgement.reason);
  CHECK(r.judgement.outcome == verdict::Outcome::Pass);
}

TEST_CASE("a new M whose clone fails with EAGAIN is fatal as in Go, with the trace before it", "[faults]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = parse(R"({"name": "no-thread", "procs": 2, "idle_threads": 0,
    "main": [{"op": "get", "as": "here"}, {"op": "go", "fn": "w", "clone_fail": "EAGAIN"},
             {"op": "wg_add", "wg": "d", "n": 1}, {"op": "wg_wait", "wg": "d"}],
    "functions": {"w": [{"op": "wg_done", "wg": "d"}]}})");
  const auto r = runner::run_scenario(sc, runner::RunOptions{});
  INFO(r.judgement.reason);
  CHECK(r.judgement.outcome == verdict::Outcome::Crash);
  CHECK(r.judgement.reason.starts_with("runtime: failed to create new OS thread (have "));
  CHECK(contains(r.judgement.reason, "errno=11)"));
  CHECK(contains(r.judgement.reason, "fatal error: newosproc"));
  CHECK(r.analysis.steps >= 1);  // the get before it
  SECTION("without clone_fail the same program completes") {
    const auto ok = runner::run_scenario(parse(R"({"name": "threads", "procs": 2, "idle_threads": 0,
      "main": [{"op": "go", "fn": "w"}, {"op": "wg_add", "wg": "d", "n": 1}, {"op": "wg_wait", "wg": "d"}],
      "functions": {"w": [{"op": "wg_done", "wg": "d"}]}})"), runner::RunOptions{});
    CHECK(ok.judgement.outcome == verdict::Outcome::Pass);
  }
  SECTION("clone_fail takes only EAGAIN") {
    CHECK_THROWS_WITH(parse(R"({"name": "x", "main": [{"op": "go", "fn": "w", "clone_fail": "EPERM"}],
      "functions": {"w": []}})"), Catch::Contains("EAGAIN"));
  }
}
