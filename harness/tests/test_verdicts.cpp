// Tests of the verdicts (harness/verdict): small scenarios run for real in the sandbox, each
// verdict asserted to appear exactly when it should (the whole set of verdict kinds is
// compared per policy), with provenance chains that name the op that made the state and the
// M/tid it ran on; and judge()'s outcomes, including the harness-bug path (a forged
// kernel/runtime disagreement).
#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/os/state_ops.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/tests/support.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/scenario/ids.hpp"
#include "harness/trace/record.hpp"
#include "harness/verdict/verdict.hpp"
#include "reports/prose.hpp"

using namespace nsleak;
using nlohmann::json;
using verdict::Outcome;
using verdict::ProvStep;
using verdict::StepKind;
using verdict::VerdictKind;

namespace {

using Kinds = std::set<std::string>;

scenario::Scenario parse(const std::string& text) {
  return scenario::parse_scenario(
      text, "t.json", scenario::ParseOptions{rt::policy_names(), verdict::verdict_names()});
}

runner::RunReport run(const scenario::Scenario& sc, const std::string& policy,
                       double timeout_s = 10.0) {
  runner::RunOptions o;
  o.policy = policy;
  o.sandbox.timeout_s = timeout_s;
  return runner::run_scenario(sc, o);
}

Kinds kinds(const verdict::Analysis& a) {
  Kinds k;
  for (const auto& v : a.verdicts) k.insert(verdict::verdict_name(v.kind));
  return k;
}

// The verdicts, readable (in the report writers' words), for failure messages.
std::string story(const runner::RunReport& r) {
  const reports::NsNames ns(r);
  const reports::TraceNames names(r);
  const reports::Prose prose(r, ns, names, true);
  std::ostringstream s;
  s << r.policy << ": " << verdict::outcome_name(r.judgement.outcome) << " (" << r.judgement.reason
    << ")\n";
  for (const auto& v : r.analysis.verdicts) {
    s << "  " << verdict::verdict_name(v.kind) << " g" << v.g << " m" << v.m << " tid " << v.tid
      << " op " << names.label(v.op) << " seq " << v.seq << ": " << prose.summary(v) << "\n";
    for (const auto& p : v.provenance)
      s << "    - [seq " << p.seq << "] " << prose.step(p) << "\n";
  }
  for (const auto& d : r.analysis.disagreements)
    s << "  disagreement: " << verdict::describe(d) << "\n";
  if (!r.analysis.fault.empty()) s << "  fault: " << r.analysis.fault << "\n";
  return s.str();
}

const verdict::Verdict& the_verdict(const runner::RunReport& r, VerdictKind k) {
  std::vector<const verdict::Verdict*> found;
  for (const auto& v : r.analysis.verdicts)
    if (v.kind == k) found.push_back(&v);
  INFO("verdict " << verdict::verdict_name(k) << "\n" << story(r));
  REQUIRE(found.size() == 1);
  return *found.front();
}

// The trace's id of the scenario's op labelled `label`.
std::uint32_t op_id(const runner::RunReport& r, const std::string& label) {
  const scenario::Ids ids(r.program);
  for (std::uint32_t id = 1; const scenario::Op* o = ids.op(id); ++id)
    if (o->label == label) return id;
  FAIL("no op " << label << " in the scenario");
  return 0;
}

// The source line of the op with trace id `id`.
int op_line(const runner::RunReport& r, std::uint32_t id) {
  const scenario::Op* o = scenario::Ids(r.program).op(id);
  REQUIRE(o != nullptr);
  return o->loc.line;
}

// The op event of the step labelled `label` (the first, if it repeats).
using OpEvent = test::Typed<trace::Op>;
OpEvent op_event(const runner::RunReport& r, const std::string& label) {
  const std::uint32_t id = op_id(r, label);
  for (const auto& e : test::events<trace::Op>(r.record))
    if (e.second->op == id) return e;
  FAIL("no op " << label << " in the trace");
  return {};
}

constexpr auto kNet = static_cast<trace::KindIndex>(os::index(os::StateKind::Net));

// A step's (or the thread's) network namespace.
trace::StateValue net(const verdict::StateSet& s) { return s.value[kNet]; }

// The step acts on the thread the op ran on.
bool on_thread_of(const ProvStep& s, const OpEvent& op) {
  return s.m == op.second->m && s.tid == op.second->tid;
}

// A step of `kind` for op `op` (0: any), on the thread of `on` (when given).
bool is_step(const ProvStep& s, StepKind kind, std::uint32_t op = 0, const OpEvent* on = nullptr) {
  return s.kind == kind && (op == 0 || s.op == op) && (on == nullptr || on_thread_of(s, *on));
}
template <class Pred>
bool any_step(const verdict::Verdict& v, Pred pred) {
  return std::any_of(v.provenance.begin(), v.provenance.end(), pred);
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

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
  const OpEvent unshare = op_event(r, "worker#1");
  const OpEvent unlock = op_event(r, "worker#2");
  const OpEvent get = op_event(r, "observer#0");
  REQUIRE(get.second->m == unshare.second->m);  // precondition: the observer ran on the dirty thread
  const int l_unshare = line_of(kDirtyUnlock, R"({"op": "unshare", "as": "x"})");
  const int l_unlock = line_of(kDirtyUnlock, R"({"op": "unlock"})");
  const int l_get = line_of(kDirtyUnlock, R"({"op": "get", "as": "seen"})");
  const trace::StateValue x = unshare.second->value;

  const auto& pt = the_verdict(r, VerdictKind::PoisonedThread);
  CHECK(pt.op == op_id(r, "worker#2"));
  CHECK(pt.m == unshare.second->m);
  CHECK(pt.tid == unshare.second->tid);
  CHECK(pt.g == unshare.second->g);
  CHECK(pt.kind_index == kNet);
  CHECK(pt.value == x);
  CHECK(pt.seq == unlock.first->seq);
  REQUIRE(pt.provenance.size() == 3);
  // The unshare (its op, line, goroutine, thread) moved the thread to x ...
  const ProvStep& made = pt.provenance[0];
  CHECK(made.kind == StepKind::MovedByOp);
  CHECK(made.op == op_id(r, "worker#1"));
  CHECK(op_line(r, made.op) == l_unshare);
  CHECK(made.seq == unshare.first->seq);
  CHECK(made.g == unshare.second->g);
  CHECK(reports::TraceNames(r).fn(made.g) == "worker");
  CHECK(on_thread_of(made, unshare));
  CHECK(net(made.state) == x);
  // ... the unlock returned that thread to the pool ...
  const ProvStep& carried = pt.provenance[1];
  CHECK(carried.kind == StepKind::Unlocked);
  CHECK(carried.op == op_id(r, "worker#2"));
  CHECK(op_line(r, carried.op) == l_unlock);
  CHECK(on_thread_of(carried, unlock));
  // ... and the observer, running on it, saw x.
  const ProvStep& observed = pt.provenance[2];
  CHECK(observed.kind == StepKind::ObservedBy);
  CHECK(observed.g == get.second->g);
  CHECK(reports::TraceNames(r).fn(observed.g) == "observer");
  CHECK(observed.op == op_id(r, "observer#0"));
  CHECK(op_line(r, observed.op) == l_get);
  CHECK(on_thread_of(observed, get));
  CHECK(net(observed.state) == x);
  // And the report writers say so, in the words the JSON report's provenance has always used.
  {
    const reports::NsNames ns(r);
    const reports::TraceNames names(r);
    const reports::Prose prose(r, ns, names, false);
    const auto on = [](const OpEvent& e) { return reports::mdesc(e.second->m, e.second->tid); };
    CHECK(prose.step(made) == "unshare at worker#1 (line " + std::to_string(l_unshare) + ") by g" +
                                  std::to_string(unshare.second->g) + ":worker on " + on(unshare) +
                                  " moved the thread to net:[" + std::to_string(x.minor) + "]");
    CHECK(contains(prose.step(carried), "UnlockOSThread at worker#2 (line " + std::to_string(l_unlock) + ")"));
    CHECK(contains(prose.step(carried), "returned " + on(unlock) + " to the pool"));
    CHECK(prose.step(observed) == "observed by g" + std::to_string(get.second->g) +
                                      ":observer at observer#0 (line " + std::to_string(l_get) +
                                      "), running on " + on(get) + " in net:[" + std::to_string(x.minor) + "]");
  }

  const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
  CHECK(sb.op == op_id(r, "observer#0"));
  CHECK(sb.g == get.second->g);
  CHECK(sb.m == get.second->m);
  CHECK(sb.tid == get.second->tid);
  REQUIRE(sb.provenance.size() == 2);
  CHECK(is_step(sb.provenance[0], StepKind::MovedByOp, op_id(r, "worker#1")));
  CHECK(is_step(sb.provenance[1], StepKind::BelievedButRan, op_id(r, "observer#0"), &get));
  CHECK(op_line(r, sb.provenance[1].op) == l_get);
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
    const OpEvent unshare = op_event(r, "main#1");
    REQUIRE(unshare.second->m == 0);
    const auto& pm = the_verdict(r, VerdictKind::PoisonedMain);
    CHECK(pm.m == 0);
    CHECK(pm.tid == unshare.second->tid);
    REQUIRE(pm.provenance.size() >= 2);
    const ProvStep& made = pm.provenance.front();
    CHECK(is_step(made, StepKind::MovedByOp, op_id(r, "main#1"), &unshare));
    CHECK(op_line(r, made.op) == line_of(text, R"("unshare")"));
    CHECK(made.g == 1);
    const ProvStep& ended = pm.provenance.back();
    CHECK(ended.kind == StepKind::MainEnded);
    CHECK(ended.completed);  // main returned
    CHECK(on_thread_of(ended, unshare));
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
    const OpEvent setns = op_event(r, "main#2");
    CHECK(setns.second->result == trace::OpResult::Injected);
    CHECK(setns.second->err == EPERM);
    // The thread stayed where the unshare put it.
    const auto& states = setns.first->states;
    const auto now = std::find_if(states.begin(), states.end(),
                                  [](const trace::OpState& s) { return s.kind == kNet; });
    REQUIRE(now != states.end());
    CHECK(now->now == op_event(r, "main#1").second->value);
    const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
    CHECK(sb.op == op_id(r, "main#4"));
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
    const OpEvent get = op_event(r, "child#0");
    const auto& li = the_verdict(r, VerdictKind::LostInheritance);
    const std::uint32_t child0 = op_id(r, "child#0");
    CHECK(li.op == child0);
    CHECK(li.m == get.second->m);
    CHECK(li.tid == get.second->tid);
    CHECK(li.m != 0);
    CHECK(any_step(li, [](const ProvStep& s) { return s.kind == StepKind::SpawnedInherit; }));
    CHECK(any_step(li, [&](const ProvStep& s) {
      return is_step(s, StepKind::RanIn, child0, &get) && op_line(r, s.op) == line_of(text, R"("get", "as": "seen")");
    }));
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
    const OpEvent unshare = op_event(r, "main#1");
    // One verdict per M cloned while M0 was dirty (the child's M and the next spinning one).
    int clones = 0;
    for (const auto& ic : r.analysis.verdicts) {
      if (ic.kind != VerdictKind::InheritedClone) continue;
      ++clones;
      const auto newms =
          test::events<trace::NewM>(r.record, [&](const trace::NewM& e) { return e.m == ic.m; });
      REQUIRE_FALSE(newms.empty());
      const auto& [newm_ev, newm] = newms.back();
      CHECK(newm->from_m == 0);
      CHECK(newm->via == trace::CloneVia::Direct);
      CHECK(ic.tid == newm->tid);
      CHECK(ic.value == unshare.second->value);
      CHECK(ic.seq == newm_ev->seq);
      REQUIRE(ic.provenance.size() == 2);
      const ProvStep& made = ic.provenance[0];
      CHECK(is_step(made, StepKind::MovedByOp, op_id(r, "main#1"), &unshare));
      CHECK(op_line(r, made.op) == line_of(text, R"("unshare")"));
      CHECK(made.g == 1);
      const ProvStep& cloned = ic.provenance[1];
      CHECK(cloned.kind == StepKind::Cloned);
      CHECK(cloned.m == ic.m);
      CHECK(cloned.tid == ic.tid);
      CHECK(cloned.other_m == unshare.second->m);
      CHECK(cloned.other_tid == unshare.second->tid);
      CHECK(cloned.via == trace::CloneVia::Direct);
    }
    CHECK(clones >= 1);
    // The child ran on such a clone: its stale belief carries the clone in its provenance.
    const auto& sb = the_verdict(r, VerdictKind::StaleBelief);
    CHECK(sb.op == op_id(r, "child#0"));
    CHECK(any_step(sb, [&](const ProvStep& s) { return s.kind == StepKind::Cloned && s.m == sb.m; }));
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
    const OpEvent unshare = op_event(r, "taint#1");
    REQUIRE(unshare.second->m == 0);
    const auto& w = the_verdict(r, VerdictKind::WedgedM0);
    CHECK(w.m == 0);
    CHECK(w.tid == unshare.second->tid);
    CHECK(w.value == unshare.second->value);
    CHECK(is_step(w.provenance.front(), StepKind::MovedByOp, op_id(r, "taint#1")));
    CHECK(w.provenance.back().kind == StepKind::Wedged);
    CHECK(op_event(r, "main#3").second->m != 0);  // main went on elsewhere, in origin
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
    const OpEvent unshare = op_event(r, "taint#1");
    const auto& te = the_verdict(r, VerdictKind::ThreadExited);
    CHECK(te.m == unshare.second->m);
    CHECK(te.tid == unshare.second->tid);
    CHECK(is_step(te.provenance.front(), StepKind::MovedByOp, op_id(r, "taint#1")));
    const ProvStep& ended = te.provenance.back();
    CHECK(ended.kind == StepKind::ThreadEnded);
    CHECK_FALSE(ended.strict);  // exited with its locked goroutine
    CHECK(on_thread_of(ended, unshare));
  }
  SECTION("go1.9 provenance: the locked exit returned the thread to the pool") {
    const auto r = run(parse(text), "go1.9");
    INFO(story(r));
    const OpEvent unshare = op_event(r, "taint#1");
    const auto& pt = the_verdict(r, VerdictKind::PoisonedThread);
    CHECK(pt.m == unshare.second->m);
    // Returned to the pool: by a locked exit (or an unlock), the thread the unshare dirtied.
    CHECK(any_step(pt, [&](const ProvStep& s) {
      return (s.kind == StepKind::LockedExitToPool || s.kind == StepKind::Unlocked) &&
             on_thread_of(s, unshare);
    }));
    CHECK(pt.provenance.back().kind == StepKind::ObservedBy);
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
    const OpEvent unshare = op_event(r, "main#1");
    const OpEvent exec = op_event(r, "main#2");
    const auto& ei = the_verdict(r, VerdictKind::ExecInherited);
    CHECK(ei.op == op_id(r, "main#2"));
    CHECK(ei.m == exec.second->m);
    CHECK(ei.value == unshare.second->value);
    CHECK(exec.second->value == unshare.second->value);  // the exec'd child's namespace
    CHECK(is_step(ei.provenance.front(), StepKind::MovedByOp, op_id(r, "main#1")));
    const ProvStep& forked = ei.provenance.back();
    CHECK(is_step(forked, StepKind::ExecForked, op_id(r, "main#2"), &exec));
    CHECK(op_line(r, forked.op) == line_of(dirty, R"("exec")"));
    CHECK(forked.g == 1);
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
  // The program must outlast the deadline on any machine, so its length is not counted in
  // switches (100,000 yields, the most ops a scenario may expand to, once took 0.5 s and
  // finished inside 0.3 s after the G switch got faster) but in processes: 10,000 execs, each
  // a fork, an exec of stat(1) and a wait4, which no machine does in 0.3 s (here ~1 ms each).
  const auto r = run(parse(R"({
    "name": "slow",
    "main": [{"op": "repeat", "times": 10000, "body": [{"op": "exec"}]}],
    "expect": {"go1.12": {}}
  })"),
                     "go1.12", 0.3);
  INFO(story(r));
  CHECK(r.record.timed_out);
  CHECK(r.judgement.outcome == Outcome::Timeout);
  CHECK(r.analysis.steps > 0);  // the partial trace was analysed
}

TEST_CASE("a full trace buffer is a limit hit naming the limit, with the partial trace kept", "[verdicts][limits]") {
  NSLEAK_REQUIRE_NAMESPACES();
  runner::RunOptions o;
  o.sandbox.trace_records = 256;
  const auto r = runner::run_scenario(parse(R"({
    "name": "long",
    "main": [{"op": "repeat", "times": 1000, "body": [{"op": "yield"}]}],
    "expect": {"go1.12": {}}
  })"), o);
  INFO(r.judgement.reason);
  CHECK(r.record.trace_overflow);
  CHECK(r.record.exit_code == rt::kChildExitTraceFull);
  CHECK(r.judgement.outcome == Outcome::Limit);
  CHECK(std::string(verdict::outcome_name(r.judgement.outcome)) == "limit");
  CHECK(contains(r.judgement.reason, "trace buffer is full (256 records)"));
  CHECK(contains(r.judgement.reason, "--trace-records N"));
  CHECK(!contains(r.judgement.reason, "without main returning"));
  CHECK(r.analysis.steps > 0);  // the partial trace was analysed
}

TEST_CASE("decoding or analysing past the run's deadline stops and is a timeout (--timeout bounds the whole run)",
          "[verdicts][limits]") {
  const auto sc = parse(R"({"name": "x", "main": [], "expect": {"go1.12": {}}})");
  const auto past = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  sandbox::RunRecord rec;
  rec.events.resize(10000);  // more than one deadline check apart
  rec.exit_code = 0;
  SECTION("the analysis") {
    const auto a = verdict::analyze(rec.events, sc, past);
    CHECK(a.cut);
    const auto j = verdict::judge(rec, a, sc, "go1.12");
    CHECK(j.outcome == Outcome::Timeout);
    CHECK(contains(j.reason, "analysing the trace passed --timeout plus 5 s of grace"));
    CHECK(!verdict::analyze(rec.events, sc).cut);  // no deadline: read to the end
  }
  SECTION("the decoding") {
    std::vector<trace::Record> records(10000, trace::encode(trace::Timers{}));
    bool cut = false;
    CHECK(trace::decode(records, past, &cut).size() < records.size());
    CHECK(cut);
    rec.cut = cut;
    const auto j = verdict::judge(rec, verdict::analyze(rec.events, sc), sc, "go1.12");
    CHECK(j.outcome == Outcome::Timeout);
    CHECK(contains(j.reason, "decoding the trace passed --timeout plus 5 s of grace"));
    cut = false;
    CHECK(trace::decode(records, std::chrono::steady_clock::time_point::max(), &cut).size() == records.size());
    CHECK(!cut);
  }
}

TEST_CASE("judge turns environment errors, signals and runtime throws into the right outcome",
          "[verdicts]") {
  const scenario::Scenario sc = parse(R"({"name": "x", "main": [],
                                          "expect": {"go1.12": {}}})");
  trace::Event start;
  start.seq = 0;
  start.body = trace::Start{2, 1};
  start.snapshot = true;
  trace::TaskRow m0;
  m0.tid = 1;
  m0.m = 0;
  m0.mask = 1u << kNet;
  m0.state[kNet] = os::StateValue::parse("4:1");
  start.tasks = {m0};
  trace::Event exit;
  exit.seq = 1;
  exit.body = trace::Exit{0, 0};

  SECTION("a completed run passes") {
    sandbox::RunRecord rec;
    rec.events = {start, exit};
    rec.exit_code = 0;
    const auto a = verdict::analyze(rec.events, sc);
    CHECK(a.completed);
    CHECK(verdict::judge(rec, a, sc, "go1.12").outcome == Outcome::Pass);
  }
  SECTION("environment error") {
    sandbox::RunRecord rec;
    rec.env_error = "unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWUTS): EPERM";
    const auto j = verdict::judge(rec, verdict::analyze(rec.events, sc), sc, "go1.12");
    CHECK(j.outcome == Outcome::Error);
    CHECK(contains(j.reason, "environment cannot run namespaces"));
  }
  SECTION("killed by a signal") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.term_signal = SIGSEGV;
    const auto j = verdict::judge(rec, verdict::analyze(rec.events, sc), sc, "go1.12");
    CHECK(j.outcome == Outcome::Crash);
    CHECK(contains(j.reason, "killed by signal 11"));
  }
  SECTION("ended without main returning") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.exit_code = 1;
    const auto j = verdict::judge(rec, verdict::analyze(rec.events, sc), sc, "go1.12");
    CHECK(j.outcome == Outcome::Crash);
    CHECK(contains(j.reason, "without main returning"));
  }
  SECTION("timeout") {
    sandbox::RunRecord rec;
    rec.events = {start};
    rec.timed_out = true;
    rec.term_signal = SIGKILL;
    CHECK(verdict::judge(rec, verdict::analyze(rec.events, sc), sc, "go1.12").outcome == Outcome::Timeout);
  }
  SECTION("a runtime throw is a harness bug, even after main returned") {
    sandbox::RunRecord rec;
    trace::Event fault;
    fault.seq = 1;
    fault.body = trace::Fault{trace::FaultKind::Throw};
    fault.text = "fatal error: stopm holding p";
    exit.seq = 2;
    rec.events = {start, fault, exit};
    const auto a = verdict::analyze(rec.events, sc);
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
  const auto dis = test::events<trace::Disagreement>(rec);
  REQUIRE_FALSE(dis.empty());
  const test::NoteView note = test::notes(rec, "raw-unshare").at(0);
  const std::string m = "m" + std::to_string(note["m"].get<long>()) + " (tid " +
                        std::to_string(note["tid"].get<long>()) + ")";
  const scenario::Scenario sc = parse(R"({"name": "x", "main": [], "expect": {"go1.12": {}}})");
  const auto a = verdict::analyze(rec.events, sc);
  CHECK(a.internal_error);
  REQUIRE_FALSE(a.disagreements.empty());
  const trace::Disagreement& d = a.disagreements.front();
  CHECK(d.what == trace::DisagreementKind::StateMismatch);
  CHECK(d.m == note["m"]);
  CHECK(d.tid == note["tid"]);
  CHECK(d.kind == kNet);  // the kernel shows a net namespace ...
  CHECK(d.seen != d.believed);  // ... other than the runtime thinks
  CHECK(contains(verdict::describe(d), m + " is in net "));
  const auto j = verdict::judge(rec, a, sc, "go1.12");
  CHECK(j.outcome == Outcome::Error);
  CHECK(contains(j.reason, "harness bug: kernel and runtime disagree: " + m));
}

TEST_CASE("A disagreement at a step without a full snapshot is caught: on its own thread at "
          "once, on another at the next full snapshot (the run's end)", "[verdicts][observe]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto state_mismatches = [](const sandbox::RunRecord& rec) {
    return test::events<trace::Disagreement>(
        rec, [](const trace::Disagreement& d) { return d.what == trace::DisagreementKind::StateMismatch; });
  };
  SECTION("the executing thread's own read catches its own move") {
    auto rec = test::run_program(test::Program{}, [] {
      rt::LockOSThread();
      if (::unshare(CLONE_NEWNET) != 0) rt::fatal("test: unshare failed");
      test::note("moved", {}, rt::Observe::Own);  // reads this thread only
      rt::UnlockOSThread();
    });
    REQUIRE(test::completed(rec));
    const test::NoteView moved = test::notes(rec, "moved").at(0);
    CHECK_FALSE(moved.ev->snapshot);  // no full snapshot at this step ...
    REQUIRE(moved.ev->tasks.size() == 1);  // ... one row: the thread it ran on
    CHECK(moved.ev->tasks[0].tid == moved["gettid"]);
    const auto dis = state_mismatches(rec);
    REQUIRE_FALSE(dis.empty());
    // ... and caught there: the disagreement is committed as the event just before it.
    CHECK(dis.front().first->seq == moved.seq() - 1);
    CHECK(dis.front().second->m == moved["m"]);
    CHECK(dis.front().second->tid == moved["tid"]);
    CHECK(dis.front().second->seen != dis.front().second->believed);
  }
  SECTION("another thread's move, never stepped on again, is caught by the end's cross-check") {
    auto rec = test::run_program(test::Program{}, [] {
      static rt::Chan ready("ready"), never("never");
      rt::Go([] {
        rt::LockOSThread();
        if (::unshare(CLONE_NEWNET) != 0) rt::fatal("test: unshare failed");
        test::note("mover", {}, rt::Observe::None);
        ready.send();
        never.recv();  // parked, locked to its moved thread, until the process exits
      }, "mover");
      ready.recv();
      test::note("main-after", {}, rt::Observe::Own);  // main's own thread: clean
    });
    REQUIRE(test::completed(rec));
    const test::NoteView mover = test::notes(rec, "mover").at(0);
    const test::NoteView after = test::notes(rec, "main-after").at(0);
    CHECK(after.ev->tasks.size() == 1);
    const auto dis = state_mismatches(rec);
    REQUIRE_FALSE(dis.empty());
    const auto& first = dis.front();
    CHECK(first.second->m == mover["m"]);
    // Not before the steps that read only their own thread: at the Exit's full snapshot.
    CHECK(first.first->seq > after.seq());
    const auto exits = test::events<trace::Exit>(rec);
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].first->snapshot);
    CHECK(first.first->seq < exits[0].first->seq);
    for (const auto& e : rec.events)  // no full snapshot in between
      if (e.seq > after.seq() && e.seq < exits[0].first->seq) CHECK_FALSE(e.snapshot);
  }
}

TEST_CASE("Every state kind of the table is applied, observed by the kernel and poisons main",
          "[verdicts][state-kinds]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto net = nsleak::os::index(nsleak::os::StateKind::Net);
  for (const auto& row : nsleak::os::state_kinds()) {
    if (!nsleak::os::is_namespace(row.kind)) continue;  // fs is moved by chdir: its own tests
    if (!nsleak::os::unavailable_reason(row.kind).empty()) continue;
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
      const auto i = static_cast<trace::KindIndex>(nsleak::os::index(row.kind));
      // The kernel's snapshots carry the kind as its table row, and it moved on M0 only.
      const auto unshare = op_event(r, "main#2");
      const auto before = op_event(r, "main#0");
      const auto state_of = [&](const OpEvent& e) -> const trace::OpState* {
        for (const auto& s : e.first->states)
          if (s.kind == i) return &s;
        return nullptr;
      };
      REQUIRE(state_of(unshare) != nullptr);
      CHECK(state_of(unshare)->now == unshare.second->value);
      const trace::TaskRow* row0 = unshare.first->task(unshare.second->tid);
      REQUIRE(row0 != nullptr);
      CHECK(row0->has(i));
      CHECK(row0->state[i] == unshare.second->value);
      CHECK(unshare.second->value != before.second->value);
      REQUIRE(r.analysis.origin.has(i));
      CHECK(r.analysis.origin.value[i] == before.second->value);
      CHECK(op_event(r, "main#4").second->match);
      REQUIRE_FALSE(r.analysis.threads.empty());
      const auto& m0 = r.analysis.threads.front();
      CHECK(m0.state.value[i] == unshare.second->value);
      if (row.kind != nsleak::os::StateKind::Net) CHECK(m0.state.value[net] == r.analysis.origin.value[net]);
      CHECK(kinds(r.analysis) == Kinds{"poisoned-thread", "poisoned-main"});
      const auto& pm = the_verdict(r, VerdictKind::PoisonedMain);
      CHECK(pm.kind_index == i);  // the verdict is about the kind that moved
      CHECK(pm.value == unshare.second->value);
    }
  }
}

namespace {

// The op that changes numeric kind k, as a scenario writes it, to a value unlike the origin.
std::string set_op(nsleak::os::StateKind k) {
  switch (k) {
    case nsleak::os::StateKind::Uid: return R"({"op": "setuid", "uid": 1, "raw": true})";
    case nsleak::os::StateKind::Gid: return R"({"op": "setgid", "gid": 1, "raw": true})";
    case nsleak::os::StateKind::Affinity: return R"({"op": "setaffinity", "cpus": [0]})";
    default: return R"({"op": "setnice", "nice": 19})";
  }
}

}  // namespace

TEST_CASE("Every numeric state kind leaks through an unlock as root, in a user namespace and unprivileged",
          "[verdicts][state-kinds][credentials]") {
  NSLEAK_REQUIRE_NAMESPACES();
  using nsleak::os::StateKind;
  struct Env {
    const char* name;
    bool userns;
    bool drop;
  };
  for (const Env env : {Env{"root", false, false}, Env{"userns", true, false}, Env{"unprivileged", false, true}}) {
    if (env.drop && ::geteuid() != 0) {
      WARN("SKIPPED part: run_as_uid needs root to drop privileges (this run was unprivileged already)");
      nsleak::test::count_skip();
      continue;
    }
    for (StateKind k : {StateKind::Uid, StateKind::Gid, StateKind::Affinity, StateKind::Nice}) {
      const std::string name = nsleak::os::kind_name(k);
      DYNAMIC_SECTION(env.name << " " << name) {
        if (const std::string why = nsleak::os::unavailable_reason(k); !why.empty()) {
          WARN("SKIPPED: " << why);
          nsleak::test::count_skip();
          continue;
        }
        runner::RunOptions o;
        o.policy = "go1.12";
        o.sandbox.force_userns = env.userns;
        if (env.drop) o.sandbox.run_as_uid = nsleak::test::kUnprivilegedUid;
        const auto r = runner::run_scenario(parse(R"({"name": "numeric-)" + name + R"(", "main": [
          {"op": "get", "state": ")" + name + R"(", "as": "before"},
          {"op": "lock"}, )" + set_op(k) + R"(, {"op": "unlock"},
          {"op": "go", "fn": "r"}, {"op": "recv", "chan": "c"}],
          "functions": {"r": [{"op": "expect", "state": ")" + name + R"(", "is": "origin"}, {"op": "send", "chan": "c"}]}})"),
                                            o);
        INFO(story(r));
        const std::string single_id =
            nsleak::test::unprivileged_single_id_reason(env.drop ? nsleak::test::kUnprivilegedUid : ::geteuid());
        if (!single_id.empty() && (k == StateKind::Uid || k == StateKind::Gid)) {
          // One id mapped (no newuidmap, or no subordinate range): the run is skipped with the
          // reason, never half-run or passed.
          WARN("SKIPPED: unprivileged " << name << ": " << single_id);
          nsleak::test::count_skip();
          CHECK(contains(r.record.env_error, "maps a single " + name));
          CHECK(contains(r.record.env_error, single_id));
          CHECK(contains(r.judgement.reason, "cannot be exercised here"));
          continue;
        }
        CHECK(r.record.userns == (env.userns || env.drop));
        REQUIRE(r.record.env_error.empty());
        CHECK(r.analysis.disagreements.empty());  // bookkeeping == kernel after the change
        const auto i = static_cast<trace::KindIndex>(nsleak::os::index(k));
        const auto changed = op_event(r, "main#2");
        REQUIRE(changed.second->value.valid());
        CHECK(changed.second->value != op_event(r, "main#0").second->value);
        CHECK_FALSE(changed.second->all_threads);
        CHECK(r.analysis.origin.value[i] == op_event(r, "main#0").second->value);
        // The kernel shows the change on the changing thread only.
        std::size_t moved = 0;
        for (const auto& row : changed.first->tasks) moved += row.has(i) && row.state[i] == changed.second->value;
        CHECK(moved == 1);
        CHECK(kinds(r.analysis) == Kinds{"poisoned-thread", "stale-belief", "poisoned-main"});
        CHECK(the_verdict(r, VerdictKind::PoisonedMain).kind_index == i);
      }
    }
  }
}

TEST_CASE("syscall.Setuid changes one thread under go1.12 and every thread under go1.16, which moves origin",
          "[verdicts][state-kinds][credentials]") {
  NSLEAK_REQUIRE_NAMESPACES();
  using nsleak::os::StateKind;
  const auto sc = parse(R"({"name": "setuid", "main": [
    {"op": "lock"}, {"op": "setuid", "uid": 1}, {"op": "unlock"},
    {"op": "go", "fn": "r"}, {"op": "recv", "chan": "c"}, {"op": "expect", "state": "uid", "is": "origin"}],
    "functions": {"r": [{"op": "expect", "state": "uid", "is": "origin"}, {"op": "send", "chan": "c"}]}})");
  const auto uid = static_cast<trace::KindIndex>(nsleak::os::index(StateKind::Uid));
  // As root, in a user namespace as root, and unprivileged (a user namespace whose ids are
  // the user's subordinate range, written by newuidmap).
  for (const int env : {0, 1, 2}) {
    const bool userns = env == 1;
    INFO("user namespace: " << userns << ", unprivileged: " << (env == 2));
    if (env == 2) {
      if (::geteuid() != 0) {
        WARN("SKIPPED part: run_as_uid needs root to drop privileges (this run was unprivileged already)");
        nsleak::test::count_skip();
        continue;
      }
      if (const std::string why = nsleak::test::unprivileged_single_id_reason(); !why.empty()) {
        WARN("SKIPPED part: unprivileged setuid: " << why);
        nsleak::test::count_skip();
        continue;
      }
    }
    runner::RunOptions o;
    o.sandbox.force_userns = userns;
    if (env == 2) o.sandbox.run_as_uid = nsleak::test::kUnprivilegedUid;
    o.policy = "go1.12";
    const auto old = runner::run_scenario(sc, o);
    INFO(story(old));
    REQUIRE(old.record.env_error.empty());
    CHECK(kinds(old.analysis) == Kinds{"poisoned-thread", "stale-belief", "poisoned-main"});
    o.policy = "go1.16";
    const auto r = runner::run_scenario(sc, o);
    INFO(story(r));
    REQUIRE(r.record.env_error.empty());
    CHECK(r.analysis.disagreements.empty());
    const auto set = op_event(r, "main#1");
    CHECK(set.second->all_threads);
    // Every task the kernel shows has uid 1 (locked, idle, sysmon and template alike).
    std::size_t tasks = 0;
    for (const auto& row : set.first->tasks) {
      REQUIRE(row.has(uid));
      CHECK(row.state[uid] == set.second->value);
      ++tasks;
    }
    CHECK(tasks >= 4);
    CHECK(nsleak::os::value_text(StateKind::Uid, set.second->value) == "uid:1");
    CHECK(r.analysis.origin.value[uid] == set.second->value);  // the program's new origin
    CHECK(kinds(r.analysis).empty());
    CHECK(r.judgement.outcome == Outcome::Pass);
  }
}

TEST_CASE("AllThreadsSyscall results that differ between threads are the program's fatal error",
          "[verdicts][state-kinds][credentials]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // main drops its effective uid on its own thread (raw; the saved uid stays 0), then another
  // goroutine calls syscall.Setgid(1) under go1.16: on main's thread (euid 1, no CAP_SETGID)
  // setgid fails with EPERM, on every other thread it succeeds.
  const auto r = run(parse(R"({"name": "differ", "procs": 1, "main": [
    {"op": "lock"}, {"op": "setuid", "uid": 1, "raw": true},
    {"op": "go", "fn": "g"}, {"op": "recv", "chan": "c"}],
    "functions": {"g": [{"op": "setgid", "gid": 1}, {"op": "send", "chan": "c"}]}})"), "go1.16");
  INFO(story(r));
  REQUIRE(r.record.env_error.empty());
  CHECK(contains(r.analysis.fault, "AllThreadsSyscall results differ between threads"));
}

TEST_CASE("CLONE_FS sharing in beliefs: a chdir in a clone of the unsharing thread is what both goroutines believe",
          "[verdicts][state-kinds][fs]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // go1.9 with no idle Ms clones the child's M straight from main's locked thread, after main
  // unshared CLONE_FS: the two threads share one fs struct, so the child's chdir moves main's
  // thread too. Main's author unshared and believes it is on that struct: it believes the new
  // cwd as well, so main's later get is no stale belief (before: main believed its old cwd).
  const auto r = run(parse(R"({"name": "clone-fs-belief", "idle_threads": 0, "main": [
    {"op": "lock"}, {"op": "unshare", "state": "fs", "as": "private"},
    {"op": "go", "fn": "child"}, {"op": "recv", "chan": "c"},
    {"op": "get", "state": "fs", "as": "after"}, {"op": "unlock"}],
    "functions": {"child": [{"op": "chdir", "dir": "/tmp"}, {"op": "send", "chan": "c"},
                            {"op": "get", "state": "fs", "as": "child-cwd"}]}})"),
                       "go1.9");
  INFO(story(r));
  REQUIRE(r.record.env_error.empty());
  CHECK(r.analysis.disagreements.empty());  // the kernel-side bookkeeping shares too
  const auto fs = static_cast<trace::KindIndex>(os::index(os::StateKind::Fs));
  const auto chdir = op_event(r, "child#0");
  const auto main_get = op_event(r, "main#4");
  // The child ran on a clone of main's thread (the precondition of sharing).
  const auto clones = test::events<trace::NewM>(r.record, [&](const trace::NewM& n) { return n.tid == chdir.second->tid; });
  REQUIRE(clones.size() == 1);
  REQUIRE(clones[0].second->from_tid == main_get.second->tid);
  const auto state_of = [&](const OpEvent& e) {
    for (const auto& s : e.first->states)
      if (s.kind == fs) return s;
    FAIL("no fs state at the op");
    return trace::OpState{};
  };
  const trace::StateValue tmp = chdir.second->value;
  CHECK(state_of(main_get).now == tmp);     // the kernel: main's thread moved with its clone
  CHECK(state_of(main_get).belief == tmp);  // and main's author sees it: sharing, not copying
  CHECK(state_of(op_event(r, "child#2")).belief == tmp);
  CHECK(kinds(r.analysis).count("stale-belief") == 0);
}

TEST_CASE("Namespaces made and freed again and again keep distinct identities within a run",
          "[verdicts][sandbox][ns-pins]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // Each unshare's namespace is freed by the setns back (nothing names it): the kernel would
  // give the next one the same inode number, and the run would see one namespace thirty
  // times. The recorder pins every namespace it sees, so each is its own.
  const auto r = run(parse(R"({"name": "ns-churn", "main": [
    {"op": "lock"},
    {"op": "repeat", "times": 30, "body": [
      {"op": "unshare", "state": "uts"}, {"op": "setns", "state": "uts", "to": "origin"},
      {"op": "unshare", "state": "ipc"}, {"op": "setns", "state": "ipc", "to": "origin"}]},
    {"op": "unlock"}]})"),
                       "go1.12");
  INFO(story(r));
  REQUIRE(r.record.env_error.empty());
  CHECK(r.analysis.disagreements.empty());
  CHECK(r.judgement.outcome == Outcome::Pass);
  for (const char* kind : {"uts", "ipc"}) {
    INFO(kind);
    const auto k = static_cast<trace::KindIndex>(os::index(*os::kind_from_name(kind)));
    std::set<trace::StateValue> made;
    std::size_t unshares = 0;
    for (const auto& e : test::events<trace::Op>(r.record)) {
      const scenario::Op* op = scenario::Ids(r.program).op(e.second->op);
      if (op == nullptr || op->kind != scenario::OpKind::Unshare || e.second->kind != k) continue;
      ++unshares;
      CHECK(e.second->value != r.analysis.origin.value[k]);
      made.insert(e.second->value);
    }
    CHECK(unshares == 30);
    CHECK(made.size() == 30);
  }
}

TEST_CASE("Goroutine-local names: each goroutine's \"$i\" is its own; one shared name instead is a stale belief", "[verdicts][parser]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = nsleak::test::read_file(std::string(NSLEAK_FIXTURES_DIR) + "/valid/local-names.json");
  runner::RunOptions o;
  o.policy = "go1.12";
  const auto own = runner::run_scenario(parse(text), o);
  INFO(story(own));
  CHECK(own.judgement.outcome == Outcome::Pass);
  // The control: the same program with one name for every goroutine's namespace. The three
  // goroutines interleave (each yields while locked), so a later unshare renames an earlier
  // one's namespace and its check fails: the test above can fail.
  std::string shared = text;
  for (std::size_t at; (at = shared.find("ns$i")) != std::string::npos;) shared.replace(at, 4, "ns");
  const auto one = runner::run_scenario(parse(shared), o);
  INFO(story(one));
  CHECK(one.judgement.outcome == Outcome::Fail);
  bool stale = false;
  for (const auto& v : one.analysis.verdicts) stale = stale || v.kind == VerdictKind::StaleBelief;
  CHECK(stale);
}

namespace {

// Go's testprog LockOSThreadAlt (runtime/testdata/testprog/lockosthread.go): main runs locked
// (its init locked it), a goroutine locks, records its tid, signals and exits locked; main
// unlocks and polls until that thread is gone from /proc, sleeping 1 ms a pass, 100 passes at
// most ("sub thread still running" otherwise). `hold`: the goroutine waits on `done` before it
// exits, which main sends only after its loop, so the thread cannot be gone while main polls.
std::string lock_os_thread_alt(int max, bool hold) {
  return std::string(R"({"name": "lockosthread-alt", "procs": 2, "chans": {"ready": {"cap": 1}},
    "main": [
      {"op": "lock"},
      {"op": "go", "fn": "sub"},
      {"op": "recv", "chan": "ready"},
      {"op": "unlock"},
      {"op": "until", "cond": {"thread_gone": "sub"}, "body": [{"op": "sleep", "ms": 1}], "max": )") +
         std::to_string(max) + R"(})" + (hold ? R"(, {"op": "send", "chan": "done"})" : "") + R"(
    ],
    "functions": {"sub": [{"op": "lock"}, {"op": "tid", "as": "sub"}, {"op": "send", "chan": "ready"})" +
         (hold ? R"(, {"op": "recv", "chan": "done"})" : "") + R"(]}})";
}

// The until's checks, in order.
std::vector<const trace::Op*> until_checks(const runner::RunReport& r) {
  std::vector<const trace::Op*> out;
  const std::uint32_t id = op_id(r, "main#4");
  for (const auto& e : test::events<trace::Op>(r.record))
    if (e.second->op == id) out.push_back(e.second);
  return out;
}

}  // namespace

TEST_CASE("until thread_gone: a locked goroutine's exit ends LockOSThreadAlt's loop early (go1.10+ kill the thread)", "[verdicts][until]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto r = run(parse(lock_os_thread_alt(100, false)), "go1.12");
  INFO(story(r));
  CHECK(r.judgement.outcome == Outcome::Pass);
  CHECK(kinds(r.analysis).count("until-max") == 0);
  const auto checks = until_checks(r);
  REQUIRE(!checks.empty());
  // The recorded thread is the sub goroutine's M, the one the runtime killed.
  const OpEvent tid = op_event(r, "sub#1");
  CHECK(checks.back()->value.major == static_cast<std::uint64_t>(tid.second->tid));
  CHECK(checks.back()->child == tid.second->m);
  CHECK(checks.back()->ok);                             // the kernel says it is gone
  CHECK(checks.back()->value.minor < 100);              // before max: the loop ended early
  CHECK(checks.back()->value.minor == checks.size());   // one check per pass
  for (std::size_t i = 0; i + 1 < checks.size(); ++i) CHECK_FALSE(checks[i]->ok);
}

TEST_CASE("until thread_gone: a thread that never exits runs the loop to max, an until-max verdict at the until", "[verdicts][until]") {
  NSLEAK_REQUIRE_NAMESPACES();
  SECTION("go1.9 returns the locked thread to the pool (#20395): LockOSThreadAlt's failure") {
    const auto r = run(parse(lock_os_thread_alt(100, false)), "go1.9");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Fail);
    const auto& v = the_verdict(r, VerdictKind::UntilMax);
    CHECK(v.op == op_id(r, "main#4"));
    const OpEvent tid = op_event(r, "sub#1");
    CHECK(v.m == tid.second->m);  // the verdict is about the watched thread
    CHECK(v.tid == tid.second->tid);
    const ProvStep& cause = v.provenance.at(v.cause);
    CHECK(cause.kind == StepKind::PolledToMax);
    CHECK(cause.value.minor == 100);
    const auto checks = until_checks(r);
    CHECK(checks.size() == 100);
    for (const auto* c : checks) CHECK_FALSE(c->ok);
    // Expected, it is the run's outcome: the scenario can say so.
    auto sc = parse(lock_os_thread_alt(100, false));
    sc.expect["go1.9"].verdicts = {"until-max"};
    sc.expect_order.push_back("go1.9");
    CHECK(run(sc, "go1.9").judgement.outcome == Outcome::Pass);
  }
  SECTION("go1.12, the goroutine still blocked while main polls: max 3 is too small") {
    const auto r = run(parse(lock_os_thread_alt(3, true)), "go1.12");
    INFO(story(r));
    CHECK(r.judgement.outcome == Outcome::Fail);
    const auto& v = the_verdict(r, VerdictKind::UntilMax);
    CHECK(v.provenance.at(v.cause).value.minor == 3);
    CHECK(until_checks(r).size() == 3);
    CHECK(r.analysis.completed);  // the program goes on after the loop: main sends done, returns
  }
}

TEST_CASE("until: a thread no tid has recorded yet when the until checks is the program's located panic", "[verdicts][until]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto r = run(parse(R"({"name": "early", "procs": 1,
    "main": [{"op": "go", "fn": "late"}, {"op": "until", "cond": {"thread_gone": "t"}, "body": [{"op": "syscall"}], "max": 2}],
    "functions": {"late": [{"op": "sleep", "ms": 50}, {"op": "tid", "as": "t"}]}})"),
                       "go1.12");
  INFO(story(r));
  CHECK(r.judgement.outcome == Outcome::Crash);
  CHECK(r.analysis.fault.find("t.json:2:42: until main#1: thread \"t\" has not been recorded by a tid yet") != std::string::npos);
}

TEST_CASE("exec records every state kind of its child: a uts namespace and an unshared cwd, each exec-inherited", "[verdicts][exec]") {
  NSLEAK_REQUIRE_NAMESPACES();
  SECTION("uts: the child starts in the dirty thread's UTS namespace") {
    const auto r = run(parse(R"({"name": "exec-uts", "procs": 1, "main": [
      {"op": "lock"}, {"op": "unshare", "state": "uts", "as": "u"}, {"op": "exec"},
      {"op": "setns", "to": "origin", "state": "uts"}, {"op": "exec"}, {"op": "unlock"}]})"),
                       "go1.12");
    INFO(story(r));
    const auto kUts = static_cast<trace::KindIndex>(os::index(os::StateKind::Uts));
    const auto& v = the_verdict(r, VerdictKind::ExecInherited);
    CHECK(v.kind_index == kUts);
    CHECK(v.op == op_id(r, "main#2"));
    CHECK(v.value == op_event(r, "main#1").second->value);  // the unshare's namespace
    CHECK(v.provenance.at(v.cause).kind == StepKind::ExecForked);
    // The second exec, after the thread went back to origin, inherits nothing: the control.
    for (const auto& s : op_event(r, "main#4").first->states) CHECK(s.now == r.analysis.origin.value[s.kind]);
  }
  SECTION("fs: the child starts in the cwd of the thread that unshared its fs struct and chdir'd") {
    const auto r = run(parse(R"({"name": "exec-fs", "procs": 1, "main": [
      {"op": "lock"}, {"op": "unshare", "state": "fs"}, {"op": "chdir", "dir": "/tmp"}, {"op": "exec"},
      {"op": "unlock"}]})"),
                       "go1.12");
    INFO(story(r));
    const auto kFs = static_cast<trace::KindIndex>(os::index(os::StateKind::Fs));
    const auto& v = the_verdict(r, VerdictKind::ExecInherited);
    CHECK(v.kind_index == kFs);
    CHECK(v.value == op_event(r, "main#2").second->value);  // the chdir's directory
    CHECK(v.value != r.analysis.origin.value[kFs]);
  }
}
