// Schedule exploration (harness/explore): outcome classes, replay tokens, shrinking, pruning.
// Each test runs real schedules in sandboxes; budgets keep the file within seconds on 2 cores.
#include <catch2/catch.hpp>

#include <iostream>
#include <mutex>
#include <set>

#include "harness/cli/scenario_loader.hpp"
#include "harness/explore/explorer.hpp"
#include "harness/explore/labels.hpp"
#include "harness/explore/schedule.hpp"
#include "harness/explore/state_cache.hpp"
#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/fingerprint.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/scenario/ids.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/verdict/verdict_kind.hpp"
#include "harness/tests/support.hpp"

using namespace nsleak;

namespace {

scenario::Scenario fixture(const std::string& name) { return cli::load(std::string(NSLEAK_FIXTURES_DIR) + "/explore/" + name); }
scenario::Scenario library(const std::string& name) { return cli::load(cli::expand_paths({name}).front()); }

explore::ExploreResult run(const scenario::Scenario& sc, const std::string& policy, const std::string& strategy, long budget,
                           bool prune = true, bool shrink = true) {
  explore::ExploreOptions o;
  o.run.policy = policy;
  o.strategy = explore::parse_strategy(strategy);
  o.budget = budget;
  o.jobs = 2;
  o.prune = prune;
  o.shrink = shrink;
  return explore::explore(sc, o);
}

const explore::ClassResult* find_class(const explore::ExploreResult& r, bool leak_of_newns) {
  for (const auto& c : r.classes) {
    const auto it = c.outcome.seen.find("probe");
    const bool saw = it != c.outcome.seen.end() && it->second.count("newNs") > 0;
    if (saw == leak_of_newns) return &c;
  }
  return nullptr;
}

explore::Outcome replayed(const scenario::Scenario& sc, const std::string& token, const std::string& policy = "go1.12") {
  runner::RunOptions ro;
  ro.policy = policy;
  return explore::outcome_of(explore::replay(sc, token, ro));
}

}  // namespace

TEST_CASE("labels: points and options print and parse back", "[explore]") {
  const auto sc = fixture("unlock-without-restore-probes.json");
  const explore::Labels labels(sc);
  const auto s = explore::parse_token("pick-g@main#4.0~3+2=steal:probe#7, run-m@start=pool#2,preempt@worker#1=yield-m", labels);
  REQUIRE(s.size() == 3);
  CHECK(explore::token(s, labels) == "pick-g@main#4.0~3+2=steal:probe#7,run-m@start=pool#2,preempt@worker#1=yield-m");
  CHECK(s[0].at.occ == 3);
  CHECK(s[0].at.nth == 2);
  CHECK(s[0].option.occ == 7);
  CHECK(s[1].at.op == 0);
  CHECK(explore::parse_token("", labels).empty());
  // A G is matched by its label, not by where it was found: the queue may change under an edit.
  trace::ChoiceOption o{trace::ChoiceKind::PickG, static_cast<std::uint8_t>(trace::GSource::Local), 42,
                        trace::OptionSubject::G, s[0].option.label, 7};
  CHECK(s[0].option.matches(o));
  o.occ = 8;
  CHECK_FALSE(s[0].option.matches(o));
}

TEST_CASE("a stale or malformed token fails naming the decision", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = fixture("unlock-without-restore-probes.json");
  const explore::Labels labels(sc);
  auto message = [&](const std::string& token) {
    try {
      (void)replayed(sc, token);
    } catch (const rt::BadInput& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // The op the decision names does not exist (any more).
  const std::string gone = message("preempt@main#1=yield-m,pick-g@main#99=local:probe#1");
  CHECK_THAT(gone, Catch::Contains("decision 2") && Catch::Contains("main#99") && Catch::Contains("no op labelled"));
  CHECK_THAT(message("preempt@main#1=yield-m,pick-g@main#1=local:nobody#1"), Catch::Contains("no function \"nobody\""));
  // A point decided twice (the same kind, op, occurrence and nth), and only then: ~2 is another point.
  const std::string twice = message("preempt@main#1=yield-m,preempt@main#1~2=yield-m,preempt@main#1=yield-m");
  CHECK_THAT(twice, Catch::Contains("decision 3") && Catch::Contains("already decided earlier in the token"));
  CHECK_THAT(message("preempt@main#1=yield-m,preempt@main#1~2=yield-m"), !Catch::Contains("already decided"));
  // The point exists in the program but this schedule never comes to it: located at the op.
  const std::string never = message("preempt@main#1~5=yield-m");
  CHECK_THAT(never, Catch::Contains("decision 1 of 1") && Catch::Contains("never came to preempt@main#1~5") &&
                        Catch::Contains("unlock-without-restore-probes.json:14:5"));
}

TEST_CASE("explore: unlock without restore, then 200 probes: a class that observes the dirty namespace and one that does not, each replaying", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = fixture("unlock-without-restore-probes.json");
  const auto r = run(sc, "go1.12", "portfolio", 100, true, false);  // the default strategy of `explore`
  const auto* dirty = find_class(r, true);
  const auto* clean = find_class(r, false);
  REQUIRE(dirty != nullptr);
  REQUIRE(clean != nullptr);
  CHECK(dirty->outcome.has("stale-belief"));
  CHECK_FALSE(clean->outcome.has("stale-belief"));
  for (const auto* c : {dirty, clean}) {
    CHECK(c->reproduced);
    CHECK(replayed(sc, c->token) == c->outcome);
  }
}

TEST_CASE("a token replays 100 of 100 times, and still after an unrelated op is added", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  auto sc = fixture("unlock-without-restore-few-probes.json");
  const auto r = run(sc, "go1.12", "exhaustive:1", 200, true, false);
  const explore::ClassResult* target = nullptr;
  for (const auto& c : r.classes)
    if (c.decisions == 1 && c.outcome.has("stale-belief")) target = &c;
  REQUIRE(target != nullptr);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += replayed(sc, target->token) == target->outcome ? 1 : 0;
  CHECK(same == 100);
  // An op after everything the token decides: its labels are untouched, so it still applies.
  scenario::Op extra;
  extra.kind = scenario::OpKind::Yield;
  extra.label = "main#" + std::to_string(sc.main.size());
  sc.main.push_back(extra);
  scenario::assign_ids(sc);
  CHECK(replayed(sc, target->token) == target->outcome);
}

TEST_CASE("shrinking: a random schedule with many decisions shrinks to the one decision its class needs", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = fixture("unlock-without-restore-few-probes.json");
  // Exhaustive within bound 1: which classes one decision reaches (go-order's needs none).
  const auto one = run(sc, "go1.12", "exhaustive:1", 200, true, false);
  REQUIRE(one.complete);
  REQUIRE(!one.classes.empty());
  const auto go_order = one.classes.front().outcome;
  const auto r = run(sc, "go1.12", "random:1", 30);
  bool checked = false;
  for (const auto& c : r.classes) {
    const bool by_one = std::any_of(one.classes.begin(), one.classes.end(), [&](const auto& x) { return x.outcome == c.outcome; });
    if (c.outcome == go_order || !by_one || c.decisions < 5) continue;
    INFO(c.outcome.text() << ": " << c.decisions << " decisions shrunk to " << c.shrunk);
    CHECK(c.shrunk_decisions == 1);
    REQUIRE(c.flip);
    CHECK(c.flip->instead == "continue");
    CHECK(replayed(sc, c.shrunk) == c.outcome);
    checked = true;
  }
  CHECK(checked);
}

TEST_CASE("PCT on the article: a yielding M never wins its own run-m choice, and a point past 65,535 choices keeps its number", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // M0 waits in runtime.main's prelude by yielding while it stays ready. PCT used to give it
  // every run-m choice when its priority was the highest: 700,000 decisions at run-m@start,
  // whose 16-bit choice number wrapped, so the token named one point twice and shrinking
  // threw from a worker thread (std::terminate).
  const auto sc = library("article-poisoned-main");
  for (const char* strategy : {"pct:2:1", "pct:2:2", "pct:3:5"}) {
    const auto r = run(sc, "go1.12", strategy, 12);
    REQUIRE(!r.classes.empty());
    for (const auto& c : r.classes) {
      INFO(strategy << ": " << c.outcome.text() << ", " << c.decisions << " decisions");
      CHECK(c.decisions < 200);
      CHECK(c.reproduced);
    }
  }
  const explore::Labels labels(sc);
  const auto far = explore::parse_token("run-m@start+70000=m0", labels);
  REQUIRE(far.size() == 1);
  CHECK(far[0].at.nth == 70000);
  CHECK(explore::token(far, labels) == "run-m@start+70000=m0");
}

TEST_CASE("the clone from a dirty locked thread (#20676): found under go1.9, absent under go1.12 within bound 2", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = library("clone-from-dirty-locked-thread");
  const auto old = run(sc, "go1.9", "go-order", 1);
  REQUIRE(!old.classes.empty());
  CHECK(old.classes.front().outcome.has("inherited-clone"));
  const auto now = run(sc, "go1.12", "exhaustive:2", 9000, true, false);
  CHECK(now.complete);
  for (const auto& c : now.classes) CHECK_FALSE(c.outcome.has("inherited-clone"));
  std::cout << "clone-from-dirty-locked-thread go1.12 exhaustive:2: " << now.schedules << " run, " << now.pruned << " pruned\n";
}

namespace {

std::set<std::string> class_keys(const explore::ExploreResult& r) {
  std::set<std::string> k;
  for (const auto& c : r.classes) k.insert(c.outcome.key());
  return k;
}

}  // namespace

TEST_CASE("pruned and unpruned exhaustive exploration find the same classes", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // Safe under go1.12, and scenarios that leak under go1.9 / go1.10 in some schedules and not
  // in others, so that the classes to keep apart are several; mnt-unshare-restore-unlock for
  // the merges where a goroutine is in the kernel (a third of its runs).
  const std::vector<std::pair<const char*, const char*>> cases{
      {"clone-from-dying-thread", "go1.12"},        {"dirty-template-thread", "go1.12"},
      {"exec-from-unlocked-goroutine", "go1.12"},   {"mdlayher-netlink-worker-escapes", "go1.12"},
      {"spawn-does-not-inherit", "go1.12"},         {"clone-from-dying-thread", "go1.10"},
      {"lockosthread-nesting-yield-p2", "go1.9"},   {"lockosthread-state-propagation", "go1.9"},
      {"lockosthread-alt", "go1.10"},               {"affinity-unlock-without-restore", "go1.10"},
      {"mnt-unshare-restore-unlock", "go1.12"}};
  long leaking = 0, with_in_kernel = 0, without_in_kernel = 0;
  for (const auto& [name, policy] : cases) {
    const auto sc = library(name);
    const auto pruned = run(sc, policy, "exhaustive:2", 8000, true, false);
    const auto full = run(sc, policy, "exhaustive:2", 8000, false, false);
    // The cache without its points where a goroutine is in the kernel (a test-only switch):
    // these pairs must merge there too, or the classes below would not test those merges.
    rt::fingerprint_leave_out = rt::kNoInKernel;  // inherited by the zygote each call forks
    const auto boundary_only = run(sc, policy, "exhaustive:2", 8000, true, false);
    rt::fingerprint_leave_out = 0;
    INFO(name << " under " << policy);
    REQUIRE(pruned.complete);
    REQUIRE(full.complete);
    REQUIRE(boundary_only.complete);
    CHECK(full.pruned == 0);
    CHECK(pruned.schedules <= full.schedules);
    CHECK(pruned.schedules + pruned.pruned - pruned.merged <= full.schedules);  // the local rules cut leaves
    const auto a = class_keys(pruned), b = class_keys(full);
    CHECK(a == b);
    CHECK(class_keys(boundary_only) == b);
    for (const auto& c : full.classes) leaking += c.outcome.leak();
    with_in_kernel += pruned.schedules;
    without_in_kernel += boundary_only.schedules;
    std::cout << name << " " << policy << " exhaustive:2: pruned " << pruned.schedules << " run + " << pruned.pruned
              << " pruned (" << pruned.merged << " by the state cache; " << boundary_only.schedules
              << " run without its in-kernel points); unpruned " << full.schedules << " run; " << a.size() << " classes\n";
  }
  CHECK(leaking >= 5);  // the set of classes is not trivial
  CHECK(with_in_kernel + 500 < without_in_kernel);  // the in-kernel points merged runs of these pairs
}

// Gosched's direct path (docs/scheduler.md §The scheduling loop) must decide exactly what the
// g0 path decides. A preempt-g at every op boundary yields from every reachable state, so an
// exhaustive search reaches the Goscheds where a choice is due (a woken M, Ps idle with no M
// spinning) and the direct path must step aside: the searches with and without it (a test-only
// switch) run, prune and merge the same schedules and find the same classes.
TEST_CASE("Gosched's direct path changes no exploration: the same schedules, prunes and classes", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::vector<std::pair<const char*, const char*>> cases{{"lockosthread-nesting-yield-p2", "go1.9"},
                                                               {"spawn-does-not-inherit", "go1.12"}};
  for (const auto& [name, policy] : cases) {
    const auto sc = library(name);
    const auto direct = run(sc, policy, "exhaustive:2", 8000, true, false);
    rt::gosched_direct_off = true;  // inherited by the zygote each call forks
    const auto g0 = run(sc, policy, "exhaustive:2", 8000, true, false);
    rt::gosched_direct_off = false;
    INFO(name << " under " << policy);
    REQUIRE(direct.complete);
    REQUIRE(g0.complete);
    CHECK(direct.schedules == g0.schedules);
    CHECK(direct.pruned == g0.pruned);
    CHECK(direct.merged == g0.merged);
    CHECK(class_keys(direct) == class_keys(g0));
    std::cout << name << " " << policy << " exhaustive:2, direct Gosched and g0 alike: " << direct.schedules << " run + "
              << direct.pruned << " pruned\n";
  }
}

// The state cache merges two states only when their fingerprints are equal, so a fingerprint
// that missed a field would merge states that differ in it. Two programs that differ in one
// op's target only (the thread, and what its goroutine believes, end in origin or in the new
// namespace) make the same choices: their fingerprints must agree before that op — real
// namespaces have different inode numbers in each run, the fingerprint names them by class —
// and differ at every quiescent point after it. Leaving those fields out (a test-only switch)
// makes them agree throughout, which shows the test would catch the gap.
TEST_CASE("state fingerprints: equal states agree across runs and one differing field keeps them apart", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto program = [](const std::string& target) {
    return scenario::parse_scenario(R"({"name": "one-field", "procs": 1,
      "main": [{"op": "go", "fn": "other"}, {"op": "lock"}, {"op": "unshare", "as": "n"}, {"op": "yield"},
               {"op": "setns", "to": ")" + target + R"("}, {"op": "yield"}, {"op": "yield"}, {"op": "unlock"}, {"op": "yield"}],
      "functions": {"other": [{"op": "yield"}, {"op": "yield"}, {"op": "yield"}, {"op": "yield"}, {"op": "yield"}]}})",
                                    "one-field.json", scenario::ParseOptions{{"go1.12"}, verdict::verdict_names()});
  };
  const auto restored = program("origin"), stays = program("n");
  runner::RunOptions ro;
  ro.policy = "go1.12";
  const auto compare = [&](unsigned leave_out, long& same_before, long& differ_after, long& same_after) {
    rt::fingerprint_leave_out = leave_out;  // inherited by the zygote each call forks
    const auto a = explore::go_order_fingerprints(restored, ro), b = explore::go_order_fingerprints(stays, ro);
    rt::fingerprint_leave_out = 0;
    REQUIRE(a.size() == b.size());
    // The setns is the 5th op: choices whose anchor comes before it, and after.
    bool after = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      REQUIRE(a[i].has_value() == b[i].has_value());
      if (!a[i]) continue;
      if (*a[i] != *b[i]) after = true;  // the first difference is the setns's
      if (!after) ++same_before;
      else if (*a[i] != *b[i]) ++differ_after;
      else ++same_after;
    }
  };
  long before = 0, differ = 0, same = 0;
  compare(0, before, differ, same);
  CHECK(before >= 2);  // the points before the setns: equal across the two runs
  CHECK(differ >= 3);  // after it: apart
  CHECK(same == 0);
  long blind_before = 0, blind_differ = 0, blind_same = 0;
  compare(rt::kLeaveOutThreadStates | rt::kLeaveOutBeliefs, blind_before, blind_differ, blind_same);
  CHECK(blind_differ == 0);  // without those fields the two states would merge
  CHECK(blind_before == before + differ);
}

// Time is hashed relative (docs/scheduler.md §Pruning): two programs that differ only in how
// long main sleeps agree before the sleep, differ while main sleeps (its time left differs),
// and agree again once it has woken, although their clocks then differ by 2 ms: nothing after
// that reads the clock's absolute value.
TEST_CASE("state fingerprints: a sleeper's time left keeps states apart, the clock's absolute value does not", "[explore]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto program = [](int ms) {
    return scenario::parse_scenario(R"({"name": "sleep-left", "procs": 1,
      "main": [{"op": "go", "fn": "o"}, {"op": "go", "fn": "o"}, {"op": "sleep", "ms": )" + std::to_string(ms) + R"(},
               {"op": "go", "fn": "p"}, {"op": "yield"}, {"op": "yield"}, {"op": "yield"}],
      "functions": {"o": [{"op": "yield"}, {"op": "yield"}, {"op": "yield"}, {"op": "yield"}],
                    "p": [{"op": "yield"}, {"op": "yield"}, {"op": "yield"}, {"op": "yield"}]}})",
                                    "sleep-left.json", scenario::ParseOptions{{"go1.12"}, verdict::verdict_names()});
  };
  runner::RunOptions ro;
  ro.policy = "go1.12";
  const auto a = explore::go_order_fingerprints(program(1), ro), b = explore::go_order_fingerprints(program(3), ro);
  REQUIRE(a.size() == b.size());
  // Runs of equal and of different fingerprints, in order: equal, different, equal.
  std::vector<std::pair<bool, long>> runs;
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].has_value() == b[i].has_value());
    if (!a[i]) continue;
    const bool same = *a[i] == *b[i];
    if (runs.empty() || runs.back().first != same) runs.emplace_back(same, 0);
    ++runs.back().second;
  }
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].first);
  CHECK(runs[0].second >= 1);  // before the sleep
  CHECK_FALSE(runs[1].first);
  CHECK(runs[1].second >= 3);  // while main sleeps: 1 ms left against 3
  CHECK(runs[2].first);
  CHECK(runs[2].second >= 2);  // after it woke, 2 ms apart on the clock
}

TEST_CASE("claims in an expectation: parsed, and bad ones are located errors", "[explore][parser]") {
  const scenario::ParseOptions opts{{"go1.12"}, verdict::verdict_names()};
  auto parse = [&](const std::string& expect) {
    return scenario::parse_scenario(R"({"name": "c", "main": [{"op": "yield"}], "expect": {"go1.12": )" + expect + "}}",
                                    "c.json", opts);
  };
  const auto sc = parse(R"({"verdicts": [], "reachable": ["stale-belief", "clean"], "unreachable": ["inherited-clone"],
                            "explore": {"strategy": "exhaustive", "bound": 1, "budget": 50}})");
  const auto& e = sc.expect.at("go1.12");
  CHECK(e.reachable == std::vector<std::string>{"stale-belief", "clean"});
  CHECK(e.unreachable == std::vector<std::string>{"inherited-clone"});
  CHECK(e.explore.bound == 1);
  CHECK(e.explore.budget == 50);
  CHECK_THROWS_WITH(parse(R"({"unreachable": ["clean"]})"), Catch::Contains("c.json:1:") && Catch::Contains("unknown verdict \"clean\""));
  CHECK_THROWS_WITH(parse(R"({"reachable": ["stale-belief"], "unreachable": ["stale-belief"]})"),
                    Catch::Contains("listed in both \"reachable\" and \"unreachable\""));
  CHECK_THROWS_WITH(parse(R"({"explore": {"strategy": "exhaustive"}})"), Catch::Contains("has none"));
  CHECK_THROWS_WITH(parse(R"({"reachable": ["clean"], "explore": {"strategy": "dfs"}})"),
                    Catch::Contains("unknown exploration strategy \"dfs\""));
  CHECK_THROWS_WITH(parse(R"({"reachable": ["clean"], "explore": {"budget": 0}})"), Catch::Contains("budget"));
}

// The namespace pool (os/ns_pool.hpp) is exploration's fast mode: its runs enter namespaces
// made in advance instead of unsharing. It is only allowed because it changes no outcome: on
// every library scenario under every policy it declares, the same schedules (exhaustive
// within bound 1, depth first on one worker, so both modes run the same tree) give the same
// classes with the pool as with real unshare, and every class confirms with real unshare.
TEST_CASE("the namespace pool and real unshare give the same outcome classes on the whole library", "[explore][pool]") {
  NSLEAK_REQUIRE_NAMESPACES();
  long runs = 0, compared = 0, pooled_classes = 0;
  for (const auto& path : cli::expand_paths({std::string(NSLEAK_SOURCE_DIR) + "/scenarios"})) {
    const auto sc = cli::load(path);
    for (const auto& policy : sc.expect_order) {
      std::set<std::string> keys[2];
      long schedules[2] = {0, 0};
      bool skipped = false;
      for (int pooled = 0; pooled < 2; ++pooled) {
        explore::ExploreOptions o;
        o.run.policy = policy;
        o.strategy = explore::parse_strategy("exhaustive:1");
        o.budget = 12;
        o.jobs = 1;
        o.shrink = false;
        o.ns_pool = pooled == 1;
        const auto r = explore::explore(sc, o);
        skipped = skipped || !r.skipped.empty();
        schedules[pooled] = r.schedules;
        runs += r.schedules;
        for (const auto& c : r.classes) {
          keys[pooled].insert(c.outcome.key());
          if (c.ns_pool) ++pooled_classes;
          CHECK((c.ns_pool && pooled == 0) == false);
          INFO(sc.name << " under " << policy << (pooled ? " with the pool" : " with real unshare") << ": "
                       << c.outcome.text() << " re-ran as " << c.reproduced_as);
          CHECK(c.reproduced);
        }
      }
      if (skipped) continue;  // an environment without the scenario's kind: both modes say so
      INFO(sc.name << " under " << policy);
      CHECK(schedules[0] == schedules[1]);
      CHECK(keys[0] == keys[1]);
      ++compared;
    }
  }
  std::cout << "namespace pool vs real unshare: " << compared << " scenario x policy pairs, " << runs
            << " schedules, the same classes (" << pooled_classes << " found through the pool)\n";
  CHECK(compared >= 40);
  CHECK(pooled_classes >= 40);  // the pool was really used: most library scenarios unshare a netns
}

TEST_CASE("labels: the goroutine exec starts is exec.copier#N, apart from main's and every function's spawns", "[explore][exec]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = scenario::parse_scenario(R"({"name": "copier", "procs": 1,
    "main": [{"op": "exec"}, {"op": "go", "fn": "w"}, {"op": "exec"}], "functions": {"w": [{"op": "yield"}]}})",
                                           "t.json", scenario::ParseOptions{rt::policy_names(), verdict::verdict_names()});
  runner::RunOptions ro;
  ro.policy = "go1.12";
  const auto r = runner::run_scenario(sc, ro);
  const explore::Labels labels(sc);
  const scenario::Ids ids(sc);
  std::vector<std::string> spawned;
  for (const auto& ev : r.record.events)
    if (const auto* np = ev.as<trace::NewProc>()) spawned.push_back(ids.function_name(np->fn));
  // Each exec's copier, then w, then the second copier: the function keeps its own count.
  CHECK(spawned == std::vector<std::string>{"exec.copier", "w", "exec.copier"});
  CHECK(labels.g(ids.exec_copier_id(), 2) == "exec.copier#2");
  std::string why;
  const auto key = labels.parse_option(trace::ChoiceKind::PickG, "global:exec.copier#2", why);
  REQUIRE(key.has_value());
  CHECK(key->label == ids.exec_copier_id());
  CHECK(key->occ == 2);
  CHECK(labels.option(trace::ChoiceKind::PickG, *key) == "global:exec.copier#2");
  CHECK(ids.function_id("w") == 1);  // the scenario's functions keep their ids
}


// An op that is a system call reads its thread inside the call; the step's own-thread row is
// that reading only when the G is back on the same M with no baton handoff since
// (Interpreter::read_is_own). A G that resumed on another M must be read again, on the thread
// it is on now. Here one thread is left in a namespace of its own (unlocked after an unshare:
// go1.12 gives it back to the pool), so a G can make its call on one thread and resume on a
// thread in another namespace; reusing the caller's reading there would show the wrong
// namespace for the thread, and the recorder's cross-check would report a disagreement.
TEST_CASE("a syscall op that resumes on another thread reads that thread again", "[explore][observe]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = scenario::parse_scenario(R"({"name": "resume-elsewhere", "procs": 2,
    "main": [{"op": "go", "fn": "dirty"}, {"op": "go", "fn": "w"}, {"op": "go", "fn": "w"},
             {"op": "syscall", "blocking": true}, {"op": "get", "as": "m"},
             {"op": "syscall", "blocking": true}, {"op": "get", "as": "m2"}],
    "functions": {"dirty": [{"op": "lock"}, {"op": "unshare", "as": "n"}, {"op": "unlock"}],
                  "w": [{"op": "syscall", "blocking": true}, {"op": "get", "as": "x"},
                        {"op": "syscall", "blocking": true}, {"op": "get", "as": "y"}]}})",
                                           "resume-elsewhere.json", scenario::ParseOptions{{"go1.12"}, verdict::verdict_names()});
  explore::ExploreOptions o;
  o.run.policy = "go1.12";
  o.strategy = explore::parse_strategy("exhaustive:1");
  o.budget = 600;
  o.jobs = 2;
  o.shrink = false;
  // Counted on the workers, checked here (assertions on the test's own thread only).
  std::mutex mu;
  long runs = 0, stayed = 0, moved = 0, moved_across_states = 0, wrong_row = 0, disagreements = 0;
  std::string first_wrong;
  o.on_run = [&](const runner::RunReport& rep) {
    std::lock_guard lock(mu);
    ++runs;
    for (const auto& e : rep.record.events) {
      if (e.is<trace::Disagreement>()) ++disagreements;
      const auto* op = e.as<trace::Op>();
      if (op == nullptr || !op->observe || e.snapshot || e.states.empty()) continue;
      const bool elsewhere = op->resumed_m != trace::kNoM && op->resumed_m != op->m;
      (elsewhere ? moved : stayed) += 1;
      // One row (net is the one kind read), of the thread the step ran on.
      const bool ok = e.tasks.size() == 1 && (elsewhere ? e.tasks[0].tid != op->tid : e.tasks[0].tid == op->tid);
      if (!ok && wrong_row++ == 0)
        first_wrong = "op " + std::to_string(op->op) + " m" + std::to_string(op->m) + " resumed on m" +
                      std::to_string(op->resumed_m) + ": " + std::to_string(e.tasks.size()) + " rows";
      if (elsewhere && ok && e.tasks[0].state[e.states[0].kind] != e.states[0].now) ++moved_across_states;
    }
  };
  const auto r = explore::explore(sc, o);
  INFO(first_wrong);
  REQUIRE(r.skipped.empty());
  CHECK(runs > 10);
  CHECK(wrong_row == 0);
  CHECK(disagreements == 0);  // each row is its thread's own state, as the runtime has it
  CHECK(stayed > 0);
  CHECK(moved_across_states > 0);  // the case the re-read is for: the two threads differ
}
