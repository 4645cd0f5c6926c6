// Tests of the verdicts (harness/verdict): small scenarios run for real in the sandbox, each
// verdict asserted to appear exactly when it should (the whole set of verdict kinds is
// compared per policy), with provenance chains that name the op that made the state and the
// M/tid it ran on; and judge()'s outcomes, including the harness-bug path (a forged
// kernel/runtime disagreement).
#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/os/state_ops.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/tests/support.hpp"
#include "harness/verdict/run_report.hpp"
#include "harness/verdict/verdict.hpp"

using namespace nsleak;
using nlohmann::json;
using verdict::Outcome;
using verdict::VerdictKind;

namespace {

using Kinds = std::set<std::string>;

scenario::Scenario parse(const std::string& text) {
  return scenario::parse_scenario(
      text, "t.json", scenario::ParseOptions{rt::policy_names(), verdict::verdict_names()});
}

verdict::RunReport run(const scenario::Scenario& sc, const std::string& policy,
                       double timeout_s = 10.0) {
  verdict::RunOptions o;
  o.policy = policy;
  o.sandbox.timeout_s = timeout_s;
  return verdict::run_scenario(sc, o);
}

Kinds kinds(const verdict::Analysis& a) {
  Kinds k;
  for (const auto& v : a.verdicts) k.insert(verdict::verdict_name(v.kind));
  return k;
}

// The verdicts, readable, for failure messages.
std::string story(const verdict::RunReport& r) {
  std::ostringstream s;
  s << r.policy << ": " << verdict::outcome_name(r.judgement.outcome) << " (" << r.judgement.reason
    << ")\n";
  for (const auto& v : r.analysis.verdicts) {
    s << "  " << verdict::verdict_name(v.kind) << " g" << v.g << " m" << v.m << " tid " << v.tid
      << " op " << v.op << ": " << v.summary << "\n";
    for (const auto& p : v.provenance) s << "    - " << p << "\n";
  }
  for (const auto& d : r.analysis.disagreements) s << "  disagreement: " << d << "\n";
  if (!r.analysis.fault.empty()) s << "  fault: " << r.analysis.fault << "\n";
  return s.str();
}

const verdict::Verdict& the_verdict(const verdict::RunReport& r, VerdictKind k) {
  std::vector<const verdict::Verdict*> found;
  for (const auto& v : r.analysis.verdicts)
    if (v.kind == k) found.push_back(&v);
  INFO("verdict " << verdict::verdict_name(k) << "\n" << story(r));
  REQUIRE(found.size() == 1);
  return *found.front();
}

// The op event of the step labelled `label` (the first, if it repeats).
json op_event(const verdict::RunReport& r, const std::string& label) {
  for (const auto& e : test::events(r.record, "op"))
    if (e.value("label", "") == label) return e;
  FAIL("no op " << label << " in the trace");
  return nullptr;
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

std::string mdesc(const json& op) {
  return "m" + std::to_string(op["m"].get<long>()) + " (tid " + std::to_string(op["tid"].get<long>()) + ")";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool any_contains(const std::vector<std::string>& v, const std::string& part) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return contains(s, part); });
}

// Runs `text` under each policy and requires exactly the verdict kinds given for it.
void require_verdicts(const std::string& text, const std::vector<std::pair<std::string, Kinds>>& want) {
  const auto sc = parse(text);
  for (const auto& [policy, expected] : want) {
    DYNAMIC_SECTION(policy) {
      const auto r = run(sc, policy);
      INFO(story(r));
      REQUIRE(r.record.env_error.empty());
      CHECK(r.analysis.disagreements.empty());
      CHECK_FALSE(r.analysis.internal_error);
      CHECK(r.analysis.completed);
      CHECK(kinds(r.analysis) == expected);
    }
  }
}

// A locked worker unshares and unlocks without restoring; an observer then runs on its thread
// (GOMAXPROCS=1, main locked: the idle dirty M is the one the next handoff wakes).
const std::string kDirtyUnlock = R"({
  "name": "dirty-unlock",
  "procs": 1,
  "main": [
    {"op": "lock"},
    {"op": "wg_add", "wg": "wg", "n": 1},
    {"op": "go", "fn": "worker"},
    {"op": "wg_wait", "wg": "wg"},
    {"op": "wg_add", "wg": "wg", "n": 1},
    {"op": "go", "fn": "observer"},
    {"op": "wg_wait", "wg": "wg"}
  ],
  "functions": {
    "worker": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "unlock"},
      {"op": "wg_done", "wg": "wg"}
    ],
    "observer": [
      {"op": "get", "as": "seen"},
      {"op": "wg_done", "wg": "wg"}
    ]
  }
})";

}  // namespace

// Each verdict, exactly when it should ---------------------------------------------------

TEST_CASE("A lock, switch, restore, unlock sequence produces no verdict", "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  require_verdicts(R"({
    "name": "clean",
    "procs": 1,
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "get", "as": "inside"},
      {"op": "setns", "to": "origin"},
      {"op": "unlock"},
      {"op": "wg_add", "wg": "wg", "n": 2},
      {"op": "go", "fn": "reader"},
      {"op": "go", "fn": "reader"},
      {"op": "wg_wait", "wg": "wg"},
      {"op": "expect", "is": "origin"}
    ],
    "functions": {
      "reader": [{"op": "get", "as": "seen"}, {"op": "expect", "is": "origin"}, {"op": "wg_done", "wg": "wg"}]
    }
  })",
                   {{"go1.9", {}}, {"go1.10", {}}, {"go1.12", {}}});
}

TEST_CASE("An unlock in a foreign namespace poisons the thread, and the next goroutine on it "
          "has a stale belief",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  require_verdicts(kDirtyUnlock, {{"go1.9", {"poisoned-thread", "stale-belief"}},
                                  {"go1.10", {"poisoned-thread", "stale-belief"}},
                                  {"go1.12", {"poisoned-thread", "stale-belief"}}});
}

TEST_CASE("poisoned-thread provenance names the unshare, the unlock and the observer with M "
          "and tid",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto r = run(parse(kDirtyUnlock), "go1.12");
  INFO(story(r));
  const json unshare = op_event(r, "worker#1");
  const json unlock = op_event(r, "worker#2");
  const json get = op_event(r, "observer#0");
  REQUIRE(get["m"] == unshare["m"]);  // precondition: the observer ran on the dirty thread
  const int l_unshare = line_of(kDirtyUnlock, R"({"op": "unshare", "as": "x"})");
  const int l_unlock = line_of(kDirtyUnlock, R"({"op": "unlock"})");
  const int l_get = line_of(kDirtyUnlock, R"({"op": "get", "as": "seen"})");

  const auto& pt = the_verdict(r, VerdictKind::PoisonedThread);
  CHECK(pt.op == "worker#2");
  CHECK(pt.m == unshare["m"].get<long>());
  CHECK(pt.tid == unshare["tid"].get<long>());
  CHECK(pt.g == unshare["g"].get<long>());
  CHECK(pt.ns == unshare["id"].get<std::string>());
  CHECK(pt.seq == unlock["seq"].get<long>());
  REQUIRE(pt.provenance.size() == 3);
  CHECK(pt.provenance[0] == "unshare at worker#1 (line " + std::to_string(l_unshare) + ") by g" +
                                std::to_string(unshare["g"].get<long>()) + ":worker on " +
                                mdesc(unshare) + " moved the thread to net " +
                                unshare["id"].get<std::string>());
  CHECK(contains(pt.provenance[1], "UnlockOSThread at worker#2 (line " + std::to_string(l_unlock) + ")"));
  CHECK(contains(pt.provenance[1], "returned " + mdesc(unlock) + " to the pool"));
  CHECK(pt.provenance[2] == "observed by g" + std::to_string(get["g"].get<long>()) +
                                ":observer at observer#0 (line " + std::to_string(l_get) +
                                "), running on " + mdesc(get) + " in net " +
                                unshare["id"].get<std::string>());

  const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
  CHECK(sb.op == "observer#0");
  CHECK(sb.g == get["g"].get<long>());
  CHECK(sb.m == get["m"].get<long>());
  CHECK(sb.tid == get["tid"].get<long>());
  REQUIRE(sb.provenance.size() == 2);
  CHECK(contains(sb.provenance[0], "unshare at worker#1 (line " + std::to_string(l_unshare) + ")"));
  CHECK(contains(sb.provenance[1], "get at observer#0 (line " + std::to_string(l_get) + ") ran on " +
                                       mdesc(get)));
}

TEST_CASE("An unrestored unlock on M0 poisons main, with provenance back to the op", "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "poison-main",
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "unlock"},
      {"op": "get", "as": "after"}
    ]
  })";
  require_verdicts(text, {{"go1.9", {"poisoned-thread", "poisoned-main"}},
                          {"go1.10", {"poisoned-thread", "poisoned-main"}},
                          {"go1.12", {"poisoned-thread", "poisoned-main"}}});
  SECTION("provenance") {
    const auto r = run(parse(text), "go1.12");
    INFO(story(r));
    const json unshare = op_event(r, "main#1");
    REQUIRE(unshare["m"] == 0);
    const auto& pm = the_verdict(r, VerdictKind::PoisonedMain);
    CHECK(pm.m == 0);
    CHECK(pm.tid == unshare["tid"].get<long>());
    REQUIRE(pm.provenance.size() >= 2);
    CHECK(contains(pm.provenance.front(), "unshare at main#1 (line " +
                                              std::to_string(line_of(text, R"("unshare")")) +
                                              ") by g1:main on " + mdesc(unshare)));
    CHECK(contains(pm.provenance.back(), "main returned with " + mdesc(unshare)));
  }
}

TEST_CASE("A failed restore (injected EPERM) leaves a poisoned thread and a stale belief",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "restore-fails",
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "setns", "to": "origin", "fail": "EPERM"},
      {"op": "unlock"},
      {"op": "expect", "is": "origin"}
    ]
  })";
  require_verdicts(text, {{"go1.12", {"poisoned-thread", "poisoned-main", "stale-belief"}},
                          // restore-or-die keeps the thread locked: nothing is released
                          {"restore-or-die", {"poisoned-main", "stale-belief"}}});
  SECTION("the injected failure is in the trace") {
    const auto r = run(parse(text), "go1.12");
    const json setns = op_event(r, "main#2");
    CHECK(setns["result"] == "EPERM");
    CHECK(setns["injected"] == true);
    CHECK(setns["ns"]["net"] == op_event(r, "main#1")["id"]);
    const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
    CHECK(sb.op == "main#4");
  }
}

TEST_CASE("A child spawned with inherit:true from a locked goroutine loses the namespace",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "lost-inheritance",
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "wg_add", "wg": "wg", "n": 1},
      {"op": "go", "fn": "child", "inherit": true},
      {"op": "wg_wait", "wg": "wg"},
      {"op": "setns", "to": "origin"},
      {"op": "unlock"}
    ],
    "functions": {
      "child": [{"op": "get", "as": "seen"}, {"op": "wg_done", "wg": "wg"}]
    }
  })";
  require_verdicts(text, {{"go1.10", {"lost-inheritance"}}, {"go1.12", {"lost-inheritance"}}});
  SECTION("provenance") {
    const auto r = run(parse(text), "go1.12");
    INFO(story(r));
    const json get = op_event(r, "child#0");
    const auto& li = the_verdict(r, VerdictKind::LostInheritance);
    CHECK(li.op == "child#0");
    CHECK(li.m == get["m"].get<long>());
    CHECK(li.tid == get["tid"].get<long>());
    CHECK(li.m != 0);
    CHECK(any_contains(li.provenance, "inherit:true"));
    CHECK(any_contains(li.provenance, "get at child#0 (line " +
                                          std::to_string(line_of(text, R"("get", "as": "seen")")) +
                                          ") ran on " + mdesc(get)));
  }
}

TEST_CASE("A thread cloned from a dirty locked thread is an inherited clone under go1.9 only",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "inherited-clone",
    "procs": 2,
    "idle_ms": 0,
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "wg_add", "wg": "wg", "n": 1},
      {"op": "go", "fn": "child"},
      {"op": "wg_wait", "wg": "wg"},
      {"op": "setns", "to": "origin"},
      {"op": "unlock"}
    ],
    "functions": {
      "child": [{"op": "get", "as": "seen"}, {"op": "wg_done", "wg": "wg"}]
    }
  })";
  require_verdicts(text, {{"go1.9", {"inherited-clone", "stale-belief"}},
                          {"go1.10", {}},
                          {"go1.12", {}}});
  SECTION("provenance") {
    const auto r = run(parse(text), "go1.9");
    INFO(story(r));
    const json unshare = op_event(r, "main#1");
    // One verdict per M cloned while M0 was dirty (the child's M and the next spinning one).
    int clones = 0;
    for (const auto& ic : r.analysis.verdicts) {
      if (ic.kind != VerdictKind::InheritedClone) continue;
      ++clones;
      json newm;
      for (const auto& e : test::events(r.record, "newm"))
        if (e["m"] == ic.m) newm = e;
      REQUIRE_FALSE(newm.is_null());
      CHECK(newm["from_m"] == 0);
      CHECK(newm["via"] == "direct");
      CHECK(ic.tid == newm["tid"].get<long>());
      CHECK(ic.ns == unshare["id"].get<std::string>());
      CHECK(ic.seq == newm["seq"].get<long>());
      REQUIRE(ic.provenance.size() == 2);
      CHECK(contains(ic.provenance[0], "unshare at main#1 (line " +
                                           std::to_string(line_of(text, R"("unshare")")) +
                                           ") by g1:main on " + mdesc(unshare)));
      CHECK(contains(ic.provenance[1], "cloned m" + std::to_string(ic.m) + " (tid " +
                                           std::to_string(ic.tid) + ") from " + mdesc(unshare) +
                                           " via direct"));
    }
    CHECK(clones >= 1);
    // The child ran on such a clone: its stale belief carries the clone in its provenance.
    const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
    CHECK(sb.op == "child#0");
    CHECK(any_contains(sb.provenance, "cloned m" + std::to_string(sb.m)));
  }
}

TEST_CASE("A goroutine exiting locked on M0 wedges it under go1.10+ and poisons the pool under "
          "go1.9",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "wedge",
    "main": [
      {"op": "wg_add", "wg": "wg", "n": 1},
      {"op": "go", "fn": "taint"},
      {"op": "wg_wait", "wg": "wg"},
      {"op": "get", "as": "after"}
    ],
    "functions": {
      "taint": [{"op": "lock"}, {"op": "unshare", "as": "x"}, {"op": "wg_done", "wg": "wg"}]
    }
  })";
  require_verdicts(text, {{"go1.9", {"poisoned-thread", "poisoned-main", "stale-belief"}},
                          {"go1.10", {"wedged-m0", "poisoned-main"}},
                          {"go1.12", {"wedged-m0", "poisoned-main"}}});
  SECTION("provenance") {
    const auto r = run(parse(text), "go1.12");
    INFO(story(r));
    const json unshare = op_event(r, "taint#1");
    REQUIRE(unshare["m"] == 0);
    const auto& w = the_verdict(r, VerdictKind::WedgedM0);
    CHECK(w.m == 0);
    CHECK(w.tid == unshare["tid"].get<long>());
    CHECK(w.ns == unshare["id"].get<std::string>());
    CHECK(contains(w.provenance.front(), "unshare at taint#1"));
    CHECK(contains(w.provenance.back(), "parks forever"));
    CHECK(op_event(r, "main#3")["m"] != 0);  // main went on elsewhere, in origin
  }
}

TEST_CASE("A dirty thread that exits with its locked goroutine is reported as thread-exited "
          "under go1.10+",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "thread-exited",
    "procs": 1,
    "main": [
      {"op": "lock"},
      {"op": "wg_add", "wg": "wg", "n": 1},
      {"op": "go", "fn": "taint"},
      {"op": "wg_wait", "wg": "wg"},
      {"op": "wg_add", "wg": "wg", "n": 1},
      {"op": "go", "fn": "reader"},
      {"op": "wg_wait", "wg": "wg"}
    ],
    "functions": {
      "taint": [{"op": "lock"}, {"op": "unshare", "as": "x"}, {"op": "wg_done", "wg": "wg"}],
      "reader": [{"op": "get", "as": "seen"}, {"op": "wg_done", "wg": "wg"}]
    }
  })";
  require_verdicts(text, {{"go1.9", {"poisoned-thread", "stale-belief"}},
                          {"go1.10", {"thread-exited"}},
                          {"go1.12", {"thread-exited"}}});
  SECTION("provenance") {
    const auto r = run(parse(text), "go1.12");
    INFO(story(r));
    const json unshare = op_event(r, "taint#1");
    const auto& te = the_verdict(r, VerdictKind::ThreadExited);
    CHECK(te.m == unshare["m"].get<long>());
    CHECK(te.tid == unshare["tid"].get<long>());
    CHECK(contains(te.provenance.front(), "unshare at taint#1"));
    CHECK(contains(te.provenance.back(), mdesc(unshare) + " exited with its locked goroutine"));
  }
  SECTION("go1.9 provenance: the locked exit returned the thread to the pool") {
    const auto r = run(parse(text), "go1.9");
    INFO(story(r));
    const json unshare = op_event(r, "taint#1");
    const auto& pt = the_verdict(r, VerdictKind::PoisonedThread);
    CHECK(pt.m == unshare["m"].get<long>());
    CHECK(any_contains(pt.provenance, "returned " + mdesc(unshare) + " to the pool"));
    CHECK(contains(pt.provenance.back(), "observed by"));
  }
}

TEST_CASE("A process exec'd from a thread in a namespace is reported as exec-inherited",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string dirty = R"({
    "name": "exec-dirty",
    "main": [
      {"op": "lock"},
      {"op": "unshare", "as": "x"},
      {"op": "exec", "as": "child"},
      {"op": "setns", "to": "origin"},
      {"op": "unlock"}
    ]
  })";
  require_verdicts(dirty, {{"go1.9", {"exec-inherited"}}, {"go1.12", {"exec-inherited"}}});
  SECTION("clean exec") {
    require_verdicts(R"({
      "name": "exec-clean",
      "main": [{"op": "lock"}, {"op": "exec", "as": "child"}, {"op": "unlock"}]
    })",
                     {{"go1.12", {}}});
  }
  SECTION("provenance") {
    const auto r = run(parse(dirty), "go1.12");
    INFO(story(r));
    const json unshare = op_event(r, "main#1");
    const json exec = op_event(r, "main#2");
    const auto& ei = the_verdict(r, VerdictKind::ExecInherited);
    CHECK(ei.op == "main#2");
    CHECK(ei.m == exec["m"].get<long>());
    CHECK(ei.ns == unshare["id"].get<std::string>());
    CHECK(exec["child_ns"] == unshare["id"]);
    CHECK(contains(ei.provenance.front(), "unshare at main#1"));
    CHECK(contains(ei.provenance.back(), "exec at main#2 (line " +
                                             std::to_string(line_of(dirty, R"("exec")")) +
                                             ") by g1:main forked from " + mdesc(exec)));
  }
}

// judge() ----------------------------------------------------------------------------------

TEST_CASE("judge passes a run that meets its expectation and fails one that misses it",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({
    "name": "judged",
    "main": [{"op": "lock"}, {"op": "unshare", "as": "x"}, {"op": "unlock"}],
    "expect": {
      "go1.9":  {"verdicts": ["poisoned-thread", "poisoned-main"], "absent": ["stale-belief"]},
      "go1.10": {"verdicts": ["poisoned-thread", "wedged-m0"]},
      "go1.12": {"verdicts": ["poisoned-thread"], "absent": ["poisoned-main", "inherited-clone"]}
    }
  })";
  const auto sc = parse(text);

  SECTION("pass") {
    const auto r = run(sc, "go1.9");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Pass);
    CHECK(r.judgement.has_expectation);
    CHECK(r.judgement.missing.empty());
    CHECK(r.judgement.unexpected.empty());
    CHECK(r.judgement.reason == "every expectation met");
  }
  SECTION("missing") {
    const auto r = run(sc, "go1.10");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Fail);
    CHECK(r.judgement.missing == std::vector<std::string>{"wedged-m0"});
    CHECK(r.judgement.unexpected.empty());
    CHECK(r.judgement.reason == "expected but not observed: wedged-m0");
  }
  SECTION("unexpected") {
    const auto r = run(sc, "go1.12");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Fail);
    CHECK(r.judgement.missing.empty());
    CHECK(r.judgement.unexpected == std::vector<std::string>{"poisoned-main"});
    CHECK(r.judgement.reason == "observed but declared absent: poisoned-main");
  }
  // Issue 13: with nothing declared, a leak is a finding (as go vet and -race report without
  // being told what to expect); a run without one still passes.
  SECTION("no expectation for the policy, and a leak") {
    const auto r = run(sc, "strict-unlock");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Fail);
    CHECK_FALSE(r.judgement.has_expectation);
    CHECK(r.judgement.reason == "leaks found: poisoned-main");
  }
  SECTION("no expectation for the policy, and no leak") {
    const auto r = run(parse(R"({"name": "clean", "main": [{"op": "get", "as": "here"}]})"), "strict-unlock");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Pass);
    CHECK_FALSE(r.judgement.has_expectation);
    CHECK(r.judgement.reason == "no expectations declared for strict-unlock");
  }
}

TEST_CASE("judge reports a program that deadlocks as a crash, whatever its verdicts",
          "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto r = run(parse(R"({
    "name": "deadlock",
    "main": [{"op": "lock"}, {"op": "unshare", "as": "x"}, {"op": "unlock"}, {"op": "recv", "chan": "never"}],
    "expect": {"go1.12": {"verdicts": ["poisoned-thread"]}}
  })"),
                     "go1.12");
  INFO(story(r));
  CHECK(verdict::has_verdict(r.analysis, VerdictKind::PoisonedThread));  // kept from the trace
  CHECK_FALSE(r.analysis.completed);
  CHECK(r.judgement.outcome == Outcome::Crash);
  CHECK(r.judgement.reason == "all goroutines are asleep - deadlock!");
  CHECK_FALSE(r.analysis.internal_error);
}

TEST_CASE("judge reports a run killed at its deadline as a timeout", "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto r = run(parse(R"({
    "name": "slow",
    "main": [{"op": "repeat", "times": 10000, "body": [{"op": "repeat", "times": 10, "body": [{"op": "yield"}]}]}],
    "expect": {"go1.12": {}}
  })"),
                     "go1.12", 0.3);
  INFO(story(r));
  CHECK(r.record.timed_out);
  CHECK(r.judgement.outcome == Outcome::Timeout);
  CHECK(r.analysis.steps > 0);  // the partial trace was analysed
}

TEST_CASE("judge turns environment errors, signals and runtime throws into the right outcome",
          "[verdicts]") {
  const scenario::Scenario sc = parse(R"({"name": "x", "main": [],
                                          "expect": {"go1.12": {}}})");
  const json start = {{"ev", "start"}, {"seq", 0}, {"m", 0}, {"tid", 1},
                      {"tasks", json::array({{{"tid", 1}, {"m", 0}, {"net", "4:1"}}})}};
  const json exit = {{"ev", "exit"}, {"seq", 1}, {"code", 0}, {"m", 0}};

  SECTION("a completed run passes") {
    sandbox::RunRecord rec;
    rec.events = {start, exit};
    rec.exit_code = 0;
    const auto a = verdict::analyze(rec);
    CHECK(a.completed);
    CHECK(verdict::judge(rec, a, sc, "go1.12").outcome == Outcome::Pass);
  }
  SECTION("environment error") {
    sandbox::RunRecord rec;
    rec.env_error = "unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWUTS): EPERM";
    const auto j = verdict::judge(rec, verdict::analyze(rec), sc, "go1.12");
    CHECK(j.outcome == Outcome::Error);
    CHECK(contains(j.reason, "environment cannot run namespaces"));
  }
  SECTION("killed by a signal") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.term_signal = SIGSEGV;
    const auto j = verdict::judge(rec, verdict::analyze(rec), sc, "go1.12");
    CHECK(j.outcome == Outcome::Crash);
    CHECK(contains(j.reason, "killed by signal 11"));
  }
  SECTION("ended without main returning") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.exit_code = 1;
    const auto j = verdict::judge(rec, verdict::analyze(rec), sc, "go1.12");
    CHECK(j.outcome == Outcome::Crash);
    CHECK(contains(j.reason, "without main returning"));
  }
  SECTION("timeout") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.timed_out = true;
    rec.term_signal = SIGKILL;
    CHECK(verdict::judge(rec, verdict::analyze(rec), sc, "go1.12").outcome == Outcome::Timeout);
  }
  SECTION("a runtime throw is a harness bug, even after main returned") {
    sandbox::RunRecord rec;
    rec.events = {start,
                  {{"ev", "fault"}, {"seq", 1}, {"kind", "throw"},
                   {"message", "fatal error: stopm holding p"}},
                  exit};
    const auto a = verdict::analyze(rec);
    CHECK(a.internal_error);
    const auto j = verdict::judge(rec, a, sc, "go1.12");
    CHECK(j.outcome == Outcome::Error);
    CHECK(j.reason == "harness bug: fatal error: stopm holding p");
  }
}

TEST_CASE("A kernel/runtime disagreement makes the outcome an internal error", "[verdicts]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // G code that changes its thread's namespace behind the runtime's back (no NoteThreadNs):
  // the next snapshot's cross-check must catch it.
  auto rec = test::run_program(test::Program{}, [] {
    rt::LockOSThread();
    if (::unshare(CLONE_NEWNET) != 0) rt::fatal("test: unshare failed");
    test::note("raw-unshare");
    rt::UnlockOSThread();
  });
  REQUIRE(test::completed(rec));
  const auto dis = test::events(rec, "disagreement");
  REQUIRE_FALSE(dis.empty());
  const json note = test::notes(rec, "raw-unshare").at(0);
  const std::string m = "m" + std::to_string(note["m"].get<long>()) + " (tid " +
                        std::to_string(note["tid"].get<long>()) + ")";
  const auto a = verdict::analyze(rec);
  CHECK(a.internal_error);
  REQUIRE_FALSE(a.disagreements.empty());
  CHECK(contains(a.disagreements.front(), m + " is in net "));
  CHECK(contains(a.disagreements.front(), "but the runtime thinks"));
  const scenario::Scenario sc = parse(R"({"name": "x", "main": [], "expect": {"go1.12": {}}})");
  const auto j = verdict::judge(rec, a, sc, "go1.12");
  CHECK(j.outcome == Outcome::Error);
  CHECK(contains(j.reason, "harness bug: kernel and runtime disagree: " + m));
}

TEST_CASE("Every state kind of the table is applied, observed by the kernel and poisons main",
          "[verdicts][state-kinds]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto net = nsleak::os::index(nsleak::os::StateKind::Net);
  for (const auto& row : nsleak::os::state_kinds()) {
    DYNAMIC_SECTION(row.name) {
      const std::string k = row.name;
      const auto r = run(parse(R"({"name": "kind-)" + k + R"(", "main": [
        {"op": "get", "ns": ")" + k + R"(", "as": "before"},
        {"op": "lock"},
        {"op": "unshare", "ns": ")" + k + R"(", "as": "fresh"},
        {"op": "unlock"},
        {"op": "expect", "ns": ")" + k + R"(", "is": "fresh"}
      ]})"), "go1.12");
      INFO(story(r));
      REQUIRE(r.record.env_error.empty());
      CHECK(r.analysis.disagreements.empty());  // the observer read the kind the runtime tracked
      const auto i = nsleak::os::index(row.kind);
      // The kernel's snapshots carry the kind under its table name, and it moved on M0 only.
      const json unshare = op_event(r, "main#2");
      REQUIRE(unshare["ns"].contains(k));
      CHECK(unshare["ns"][k] == unshare["id"]);
      CHECK(unshare["id"] != op_event(r, "main#0")["id"]);
      CHECK(r.analysis.origins[i] == op_event(r, "main#0")["id"].get<std::string>());
      CHECK(op_event(r, "main#4")["match"] == true);
      REQUIRE_FALSE(r.analysis.threads.empty());
      const auto& m0 = r.analysis.threads.front();
      CHECK(m0.values[i] == unshare["id"].get<std::string>());
      if (row.kind != nsleak::os::StateKind::Net) CHECK(m0.values[net] == r.analysis.origins[net]);
      CHECK(kinds(r.analysis) == Kinds{"poisoned-thread", "poisoned-main"});
      CHECK(contains(the_verdict(r, VerdictKind::PoisonedMain).summary, k + " " + unshare["id"].get<std::string>()));
    }
  }
}
