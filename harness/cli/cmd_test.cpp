// nsleak test: every scenario under every policy its `expect` names, in parallel; one line
// per run, a closing `N passed, N failed` line, JUnit and JSON for CI, deterministic shards.
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/cli/claims.hpp"
#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/fix_effect.hpp"
#include "harness/cli/policy_arg.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/cli/timeout_arg.hpp"
#include "harness/cli/limit_args.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/runner/run_server.hpp"
#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "reports/json_report.hpp"
#include "reports/junit.hpp"
#include "reports/text_story.hpp"

namespace nsleak::cli {
namespace {

struct TestArgs {
  std::vector<std::string> paths{"scenarios"};
  std::vector<std::string> policies;  // filter
  std::vector<std::string> filters;   // globs on scenario names and paths
  std::string junit, json, shard;
  std::vector<std::string> substitutes;  // NAME=POLICY: NAME's expectations, run under POLICY
  int jobs = 0;
  double timeout = kDefaultTimeout;
  LimitArgs limits;
  bool userns = false;
  bool verbose = false;
  bool junit_passing_output = false;
  std::string strategy = "go-order";  // the schedule of each run (go-order, random:SEED)
  int count = 1;                      // runs per scenario x policy (random:SEED: seeds SEED...)
  int procs = 0;                      // GOMAXPROCS for every scenario (0: each file's own)
};

struct Job {
  scenario::Scenario sc;
  std::string policy;     // whose expectations are checked
  std::string run_under;  // the policy actually run (differs under --substitute)
  std::string strategy = "go-order";
  bool claims = false;    // also explore its schedules for the expectation's claims
};

// --strategy S with --count N: the spec of run i (random:SEED gives seeds SEED..SEED+N-1).
std::string nth_strategy(const std::string& spec, int i) {
  if (spec.rfind("random:", 0) != 0 || i == 0) return spec;
  return "random:" + std::to_string(std::stoull(spec.substr(7)) + static_cast<unsigned>(i));
}

// K/N, both plain decimal numbers (nothing before, between or after), 1 <= K <= N, and N no
// larger than the runs selected: a shard that could only ever be empty is a CI typo.
std::pair<std::size_t, std::size_t> parse_shard(const std::string& s, std::size_t runs) {
  const auto slash = s.find('/');
  auto number = [&](std::string_view part, std::size_t& out) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && ec == std::errc{} && end == part.data() + part.size();
  };
  std::size_t k = 0, n = 0;
  const std::string_view sv(s);
  if (slash == std::string::npos || !number(sv.substr(0, slash), k) || !number(sv.substr(slash + 1), n) || k < 1 ||
      k > n)
    throw rt::BadInput("--shard must be K/N with 1 <= K <= N, got \"" + s + "\"");
  if (n > runs)
    throw rt::BadInput("--shard " + s + ": only " + std::to_string(runs) +
                                " runs are selected, so some shards would run nothing (use N <= " +
                                std::to_string(runs) + ")");
  return {k, n};
}

bool selected(const std::vector<std::string>& filters, const scenario::Scenario& sc, const std::string& path) {
  if (filters.empty()) return true;
  for (const auto& f : filters)
    if (::fnmatch(f.c_str(), sc.name.c_str(), 0) == 0 || ::fnmatch(f.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

// What the selection was, for the "nothing selected" error.
std::string selection_text(const TestArgs& a) {
  std::string s;
  for (const auto& f : a.filters) s += " --filter '" + f + "'";
  for (const auto& p : a.policies) s += " --policy " + p;
  return s.empty() ? " (no scenario declares an expectation)" : s;
}

bool wanted(const std::vector<std::string>& filter, const std::string& policy) {
  return filter.empty() || std::find(filter.begin(), filter.end(), policy) != filter.end();
}

// Loads every scenario (bad files are reported and counted, never skipped silently) and
// expands the scenario x policy matrix in a stable order.
std::vector<Job> plan(const TestArgs& a, std::vector<reports::InvalidScenario>& invalid) {
  const auto subs = parse_substitutes(a.substitutes);  // bad policy: exit 2 up front
  std::vector<std::string> policy_filter;
  for (const auto& p : a.policies)
    if (p != "all") policy_filter.push_back(check_policy(p, "--policy"));
  std::vector<Job> jobs;
  std::map<std::string, std::string> name_file;  // a name is a JUnit testcase and a report key
  std::size_t files = 0;
  for (const auto& path : expand_paths(a.paths)) {
    ++files;
    scenario::Scenario sc;
    try {
      sc = load(path);
    } catch (const scenario::ParseError& e) {
      std::cout << "BAD   " << e.what() << "\n";
      invalid.push_back({path, e.what()});
      continue;
    }
    if (auto [it, fresh] = name_file.emplace(sc.name, path); !fresh) {
      const std::string why = path + ": scenario name \"" + sc.name + "\" is already used by " + it->second +
                              " (names must be unique: they key the reports)";
      std::cout << "BAD   " << why << "\n";
      invalid.push_back({path, why});
      continue;
    }
    if (!selected(a.filters, sc, path)) continue;
    if (a.procs > 0) sc.procs = a.procs;
    if (sc.expect_order.empty()) {
      const std::string why = path + ": scenario \"" + sc.name + "\" declares no expectations, so there is nothing to test";
      std::cout << "BAD   " << why << "\n";
      invalid.push_back({path, why});
      continue;
    }
    for (const auto& pol : sc.expect_order) {
      if (!wanted(policy_filter, pol)) continue;
      auto it = subs.find(pol);
      for (int i = 0; i < a.count; ++i)
        jobs.push_back({sc, pol, it == subs.end() ? pol : it->second, nth_strategy(a.strategy, i),
                        i == 0 && sc.expect.at(pol).claims()});
    }
  }
  // Like `go test -run X` ("no tests to run") and pytest (exit 5): an empty selection is never
  // a green run. Bad files are already counted as failures, so they alone are not "empty".
  if (jobs.empty() && invalid.empty())
    throw rt::BadInput("nothing to test: no scenario x policy run of the " + std::to_string(files) +
                                " scenario files matches" + selection_text(a));
  if (!a.shard.empty()) {
    const auto [k, n] = parse_shard(a.shard, jobs.size());
    std::vector<Job> mine;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      if (i % n == k - 1) mine.push_back(std::move(jobs[i]));
    jobs = std::move(mine);
  }
  return jobs;
}

std::string elapsed(const runner::RunReport& r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%.2f s)", r.record.wall_ms / 1000.0);
  return buf;
}

// `base`: under --substitute, the run of the policy the fix stands in for (else nullptr).
bool skipped(const runner::RunReport& r) { return !r.record.env_error.empty(); }

void print_result(const runner::RunReport& r, const runner::RunReport* base, const std::optional<ClaimCheck>& claims,
                  bool verbose) {
  if (skipped(r)) {  // the reason is printed once, at the end
    std::cout << "SKIP " << r.scenario << " [" << r.policy << "] this environment cannot run namespaces\n";
    return;
  }
  std::cout << reports::summary_line(r) << elapsed(r) << "\n";
  if (claims) {
    std::cout << "      explored (" << claims->result.strategy << "): " << claims->coverage << "\n";
    for (const auto& f : claims->failures) std::cout << "      claim failed: " << f << "\n";
  }
  if (base) std::cout << "      fix: " << fix_effect_text(fix_effect(*base, r)) << "\n";
  if (r.judgement.outcome == verdict::Outcome::Pass && !verbose) return;
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("-") : s;
  };
  std::cout << "      expected: " << list(r.judgement.expected) << "; absent: " << list(r.judgement.absent)
            << "\n      observed: " << verdict_counts(r.analysis) << "\n      reproduce: " << r.reproduce << "\n";
}

int run_tests(const TestArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  claim_stdout({{"--json", &a.json}, {"--junit", &a.junit}});
  if (a.strategy.rfind("exhaustive", 0) == 0 || a.strategy.rfind("pct:", 0) == 0 || a.strategy == "portfolio")
    throw rt::BadInput("test --strategy " + a.strategy +
                       ": each test run is one schedule (go-order or random:SEED, with --count N for N of them); "
                       "claims over every schedule go in the expectation (\"reachable\", \"unreachable\", \"explore\")");
  (void)rt::make_strategy(a.strategy);  // a bad spec is exit 2 before anything runs
  if (a.count < 1) throw rt::BadInput("--count must be at least 1");
  std::vector<reports::InvalidScenario> invalid;
  std::vector<Job> jobs = plan(a, invalid);
  constexpr std::string_view kSuite = "the suite report", kJUnit = "the JUnit report";
  if (const int rc = begin_reports({{&a.json, ReportKind::Json, kSuite}, {&a.junit, ReportKind::JUnit, kJUnit}}); rc != kOk)
    return rc;
  const long bad = static_cast<long>(invalid.size());
  std::vector<runner::RunReport> results(jobs.size());
  std::vector<std::optional<runner::RunReport>> bases(jobs.size());
  std::vector<std::optional<ClaimCheck>> claims(jobs.size());
  std::vector<bool> done(jobs.size());
  std::atomic<std::size_t> next{0};
  std::mutex out;
  std::size_t printed = 0;  // results are printed in plan order, whatever -j: diffable output
  const int n = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  // Jobs start longest first: an exploration claim runs thousands of schedules on one worker,
  // so one that started last would keep the suite waiting while the other workers idle. Its
  // budget is the estimate; results still print in plan order.
  std::vector<std::size_t> order(jobs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto cost = [&](std::size_t i) {
    return jobs[i].claims ? jobs[i].sc.expect.at(jobs[i].policy).explore.budget : std::int64_t{0};
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return cost(x) > cost(y); });
  // One fork server per worker (made on its thread: its zygote dies with it), over every job's
  // scenario; each run is a fork of it in origin namespaces of its own, unshared right after
  // the fork (Origin::FreshPerRun): the real unshare a fresh sandbox makes, without the rest
  // of its set-up, and without the run-time audit, whose supervisor follows one sandbox
  // (`nsleak run`, which each run's reproduce line is, audits).
  std::vector<const scenario::Scenario*> scenarios;
  for (const auto& j : jobs) scenarios.push_back(&j.sc);
  sandbox::SandboxOptions server_sandbox;
  server_sandbox.timeout_s = a.timeout;
  apply(a.limits, server_sandbox);
  server_sandbox.force_userns = a.userns;
  auto worker = [&] {
    std::optional<runner::RunServer> server;
    for (std::size_t k; (k = next++) < jobs.size();) {
      const std::size_t i = order[k];
      if (!server)
        server.emplace(scenarios, server_sandbox, runner::RunServer::make_default_strategy, 0,
                       sandbox::Zygote::Origin::FreshPerRun);
      runner::RunOptions opt;
      opt.policy = jobs[i].run_under;
      opt.expect_as = jobs[i].policy;
      opt.sandbox.timeout_s = a.timeout;
      apply(a.limits, opt.sandbox);
      opt.sandbox.force_userns = a.userns;
      opt.strategy = [spec = jobs[i].strategy] { return rt::make_strategy(spec); };
      results[i] = server->run(i, opt, jobs[i].strategy);
      results[i].reproduce = reproduce_command(jobs[i].sc.file, opt, jobs[i].strategy);
      if (jobs[i].claims && !skipped(results[i])) {
        std::string replay = "nsleak replay " + shell_quote(jobs[i].sc.file);
        if (jobs[i].run_under != "go1.12") replay += " --policy " + shell_quote(jobs[i].run_under);
        if (a.procs > 0) replay += " --procs " + std::to_string(a.procs);
        claims[i] = check_claims(jobs[i].sc, jobs[i].sc.expect.at(jobs[i].policy), opt, replay);
        auto& j = results[i].judgement;
        if (!claims[i]->ok && j.outcome == verdict::Outcome::Pass) {
          j.outcome = verdict::Outcome::Fail;
          j.reason = "claim failed: " + claims[i]->failures.front() +
                     (claims[i]->failures.size() > 1 ? " (and " + std::to_string(claims[i]->failures.size() - 1) + " more)" : "");
        }
      }
      if (jobs[i].run_under != jobs[i].policy) {  // the base policy too: what did the fix change?
        opt.policy = jobs[i].policy;
        opt.expect_as.clear();
        bases[i] = server->run(i, opt, jobs[i].strategy);
      }
      std::lock_guard lock(out);
      done[i] = true;
      for (; printed < jobs.size() && done[printed]; ++printed)
        print_result(results[printed], bases[printed] ? &*bases[printed] : nullptr, claims[printed], a.verbose);
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::min<int>(n, static_cast<int>(jobs.size())); ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  reports::SuiteMeta meta{a.shard, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                          invalid};
  int rc = kOk;
  // Built only when asked for: it holds every run's report and story, which cost the parent
  // as much as the runs' own verdicts.
  if (!a.json.empty() || !a.junit.empty()) {
    const auto suite = reports::suite_json(results, meta);
    if (!a.json.empty()) rc = worst(rc, write_report(a.json, suite.dump(2) + "\n", kSuite));
    if (!a.junit.empty())
      rc = worst(rc, write_report(a.junit, reports::junit_xml(suite, {a.junit_passing_output}), kJUnit));
  }
  long passed = 0, runs_failed = 0, skips = 0;
  std::string env_error;
  std::string recap;  // the non-passing lines again, so they are not lost above a long run
  for (const auto& r : results) {
    rc = worst(rc, exit_code_for(r));  // a skip is still exit 3: nothing was checked here
    if (skipped(r)) {
      ++skips;
      env_error = r.record.env_error;
      continue;
    }
    (r.judgement.outcome == verdict::Outcome::Pass ? passed : runs_failed)++;
    if (r.judgement.outcome != verdict::Outcome::Pass)
      recap += "  " + reports::summary_line(r) + "\n      reproduce: " + r.reproduce + "\n";
  }
  for (const auto& bad : invalid) recap += "  BAD " + bad.error + "\n";
  if (!recap.empty()) std::cout << "\nNot passing:\n" << recap;
  std::map<std::string, int> effects;  // --substitute: how many scenarios each way
  for (std::size_t i = 0; i < results.size(); ++i)
    if (bases[i]) ++effects[fix_effect(*bases[i], results[i]).word()];
  if (!effects.empty())
    std::cout << "fix: closed a leak in " << effects["closed"] << ", opened one in " << effects["opened"]
              << ", unchanged in " << effects["unchanged"] << " of " << results.size() << " runs\n";
  if (bad > 0) rc = worst(rc, kBadInput);
  // Bad files count as failed; say how many of each, so that one bad file (exit 2) does not
  // hide failing runs. ci/test reads the leading "N passed, N failed".
  if (!env_error.empty())
    std::cerr << "nsleak: this environment cannot run namespaces, " << skips << " runs skipped: " << env_error << "\n";
  std::cout << passed << " passed, " << runs_failed + bad << " failed";
  if (skips > 0) std::cout << ", " << skips << " skipped";
  if (bad > 0) std::cout << " (" << runs_failed << " runs failed, " << bad << " bad inputs)";
  std::cout << "\n";
  return rc;
}

TestArgs g_test;

}  // namespace

Command add_test(CLI::App& app) {
  auto* cmd = app.add_subcommand("test", "Check every scenario's expectations under its policies");
  cmd->add_option("paths", g_test.paths,
                  "Scenario files or directories, or library names (default: scenarios, the library "
                  "embedded in nsleak when there is no such directory)");
  cmd->add_option("-p,--policy", g_test.policies, "Only these policies");
  cmd->add_option("--filter", g_test.filters,
                  "Only scenarios whose name or path matches this glob (repeatable: any may match)")
      ->allow_extra_args(false);
  cmd->add_option("--junit", g_test.junit, "Write JUnit XML here (- : standard output)");
  cmd->add_flag("--junit-passing-output", g_test.junit_passing_output,
                "Also put the story of passing runs in JUnit <system-out> (default: non-passing only)");
  cmd->add_option("--json", g_test.json, "Write the suite report (JSON) here (- : standard output)");
  cmd->add_option("--substitute", g_test.substitutes,
                  "NAME=POLICY: check NAME's expectations under POLICY (a fix, or a broken policy file); "
                  "NAME is run too, to say which leaks the fix closed or opened");
  cmd->add_option("--shard", g_test.shard, "Run only slice K of N (K/N), deterministically");
  cmd->add_option("-j,--jobs", g_test.jobs, "Parallel runs (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--timeout", g_test.timeout, "Seconds before a run is killed as hung (at most 86400)")
      ->check(timeout_validator())
      ->capture_default_str();
  add_limit_options(cmd, g_test.limits);
  cmd->add_flag("--userns", g_test.userns, "Use a user namespace even when running as root");
  cmd->add_flag("-v,--verbose", g_test.verbose, "Details for passing runs too");
  cmd->add_option("-s,--strategy", g_test.strategy, "The schedule of each run: go-order or random:SEED")->capture_default_str();
  cmd->add_option("--count", g_test.count, "Runs per scenario x policy, like go test -count (random:SEED: seeds SEED, SEED+1, ...)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--procs", g_test.procs, "GOMAXPROCS for every scenario, like go test -cpu (default: each file's procs)")
      ->check(CLI::Range(1, 64));
  return [] { return run_tests(g_test); };
}

}  // namespace nsleak::cli
