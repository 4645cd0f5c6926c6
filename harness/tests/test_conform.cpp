// conform's comparison (harness/conform): the class both sides map to, and the verdict on a
// scenario, from synthetic real-Go lines and observables; one model run mapped for real.
#include <catch2/catch.hpp>

#include "harness/cli/scenario_loader.hpp"
#include "harness/conform/compare.hpp"
#include "harness/conform/conform_run.hpp"
#include "harness/observe/supervisor.hpp"
#include "harness/tests/support.hpp"

using namespace nsleak;
using conform::Observable;

namespace {

Observable cls(std::set<std::tuple<std::string, std::string, std::string>> seen, std::vector<std::string> verdicts = {},
               std::string end = "") {
  Observable o;
  o.seen = std::move(seen);
  o.verdicts = std::move(verdicts);
  o.end = std::move(end);
  return o;
}

const Observable kClean = cls({{"main", "main#0", "origin"}, {"child", "child#0", "origin"}});
const Observable kLeak = cls({{"main", "main#0", "origin"}, {"child", "child#0", "newNs"}}, {"poisoned-main"});

}  // namespace

TEST_CASE("conform: real Go's lines name values as the model does, verdicts only those seen from outside", "[conform]") {
  const std::string out =
      R"({"op":"start","g":"main","kind":"net","state":"4:100","event":"origin","tid":1})" "\n"
      "panic: not json\n"
      R"({"op":"main#0","g":"main","kind":"net","state":"4:100","as":"mainNs","tid":1})" "\n"
      R"({"op":"f#2","g":"main","kind":"net","state":"4:200","as":"newNs","event":"unshare","tid":1})" "\n"
      R"({"op":"child#0","g":"child#1","kind":"net","state":"4:200","as":"seen","tid":2})" "\n"
      R"({"op":"child#1","g":"child#2","kind":"net","state":"4:300","as":"x","tid":3})" "\n";
  const auto lines = conform::parse_go_lines(out);
  REQUIRE(lines.size() == 5);
  observe::TreeAnalysis a;
  a.findings.push_back({verdict::VerdictKind::DirtyAtExit});
  a.findings.push_back({verdict::VerdictKind::PoisonedMain});
  const auto o = conform::observable_of(lines, a, "");
  using T = std::tuple<std::string, std::string, std::string>;
  // Goroutines by function: child#1 and child#2 are both "child".
  CHECK(o.seen == std::set<T>{{"main", "main#0", "origin"}, {"child", "child#0", "newNs"}, {"child", "child#1", "another namespace"}});
  CHECK(o.text() == "child@child#0 newNs, child@child#1 another namespace, main@main#0 origin; poisoned-main");
  CHECK(o.verdicts == std::vector<std::string>{"poisoned-main"});  // dirty-at-exit has no model counterpart
  // An abnormal end is one class whichever way each side words it.
  CHECK(conform::observable_of(lines, a, "exit status 2").key() == conform::observable_of(lines, a, "fatal error: deadlock").key());
  CHECK(conform::observable_of(lines, a, "exit status 2").key() != o.key());
}

TEST_CASE("conform: agreement when every real class is reachable and the most frequent is go-order's", "[conform]") {
  const auto c = conform::compare({kLeak, kLeak, kLeak, kClean}, {kClean, kLeak}, kLeak);
  CHECK(c.agrees());
  REQUIRE(c.rows.size() == 2);
  CHECK(c.rows[0].cls.key() == kLeak.key());
  CHECK(c.rows[0].go_count == 3);
  CHECK(c.rows[0].go_order);
  CHECK(c.rows[1].go_count == 1);
  CHECK(c.rows[1].reachable);
  CHECK_FALSE(c.rows[1].go_order);
}

TEST_CASE("conform: a real class the model never reached is a disagreement", "[conform]") {
  const auto c = conform::compare({kLeak, kLeak, kClean}, {kLeak}, kLeak);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].find("no model schedule reached (1 runs)") != std::string::npos);
  CHECK_FALSE(c.rows[1].reachable);
}

TEST_CASE("conform: real Go's most frequent class must be go-order's (a tie with it agrees)", "[conform]") {
  const auto c = conform::compare({kClean, kClean, kLeak}, {kClean}, kLeak);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].find("most frequent class (2 of 3 runs) is not go-order's") != std::string::npos);
  CHECK(conform::compare({kClean, kLeak}, {kClean}, kLeak).agrees());
  // go-order's class has a row even when real Go never showed it.
  const auto never = conform::compare({kClean}, {}, kLeak);
  REQUIRE(never.rows.size() == 2);
  CHECK(never.rows[1].go_order);
  CHECK(never.rows[1].go_count == 0);
  CHECK_FALSE(never.agrees());
}

TEST_CASE("conform: the policy matching a Go version", "[conform]") {
  CHECK(conform::policy_for("go1.19.8") == "go1.16");  // syscall.Setuid is AllThreadsSyscall
  CHECK(conform::policy_for("go1.15.2") == "go1.12");
  CHECK(conform::policy_for("go1.12") == "go1.12");
  CHECK(conform::policy_for("go1.9.7") == "go1.9");
  CHECK(conform::policy_for("devel") == "");
}

TEST_CASE("conform: the model's go-order run of the article maps to what its Go program prints", "[conform]") {
  if (!test::namespace_unavailable_reason().empty()) {
    test::count_skip();
    return;
  }
  const auto sc = cli::load(cli::expand_paths({"article-poisoned-main"}).front());
  runner::RunOptions ro;
  const auto o = conform::observable_of(runner::run_scenario(sc, ro));
  CHECK(o.seen.count({"main", "main#3", "newNs"}) == 1);  // main's expect: poisoned
  CHECK(o.seen.count({"child", "child#0", "origin"}) == 1);
  CHECK(o.verdicts == std::vector<std::string>{"poisoned-main"});
  CHECK(o.end.empty());
}

TEST_CASE("conform: a process-wide setuid's origin line moves origin, as the model's analysis does", "[conform]") {
  const std::string out =
      R"({"op":"start","g":"main","kind":"uid","state":"0/0/0/0","event":"origin","tid":1})" "\n"
      R"({"op":"main#0","g":"main","kind":"uid","state":"0/0/0/0","tid":1})" "\n"
      R"({"op":"main#1","g":"main","kind":"uid","state":"1/1/1/1","event":"origin","tid":1})" "\n"
      R"({"op":"reader#0","g":"reader#1","kind":"uid","state":"1/1/1/1","tid":2})" "\n";
  const auto o = conform::observable_of(conform::parse_go_lines(out), observe::TreeAnalysis{}, "");
  using T = std::tuple<std::string, std::string, std::string>;
  CHECK(o.seen == std::set<T>{{"main", "main#0", "another namespace"}, {"reader", "reader#0", "origin"}});
}

TEST_CASE("conform: the model's verdicts about every kind observe reads are compared (nice too)", "[conform]") {
  if (!test::namespace_unavailable_reason().empty()) {
    test::count_skip();
    return;
  }
  // nice: poisoned-main about nice 19. Observe's supervisor reads the nice value
  // (observe::observed_kinds_mask), so real Go's run gives the same verdict and the model's counts.
  const auto sc = cli::load(cli::expand_paths({"nice-unlock-without-restore"}).front());
  runner::RunOptions ro;
  const auto r = runner::run_scenario(sc, ro);
  REQUIRE(verdict::has_verdict(r.analysis, verdict::VerdictKind::PoisonedMain));
  REQUIRE(observe::observed_kinds_mask() & (1u << os::index(os::StateKind::Nice)));
  const auto o = conform::observable_of(r);
  CHECK(o.verdicts == std::vector<std::string>{"poisoned-main"});
  CHECK(o.seen.count({"main", "main#7", "another namespace"}) == 1);  // and what main saw of nice
}
