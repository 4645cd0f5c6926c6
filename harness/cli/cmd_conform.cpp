// nsleak conform [DIR|FILE...] [--go PATH] [--runs N] [--policy P] [--format text|json]: each
// scenario export can express, built with a real Go toolchain and run N times under observe,
// against the model explored under the matching policy (harness/conform). Exit 1 on a
// disagreement, 2 for bad input, 3 without a Go toolchain, 4 when an exported program does not
// build (export's bug). With --recorded FILE... the real side is runs already recorded of a
// hand-written program for the one scenario given (scenarios/peer-tests, fixtures/go).
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/policy_arg.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/cli/timeout_arg.hpp"
#include "harness/conform/conform_run.hpp"
#include "harness/observe/observe_run.hpp"
#include "harness/runtime/bad_input.hpp"

namespace nsleak::cli {
namespace {

constexpr const char* kDebianGo = "/usr/lib/go-1.19/bin/go";  // ci/setup installs golang-1.19

struct ConformArgs {
  std::vector<std::string> paths{"scenarios"};
  std::vector<std::string> recorded;
  std::string go, policy, format = "text";
  int runs = 20;
  long budget = 300;
  int jobs = 0;
  double timeout = kDefaultTimeout;
  bool userns = false;
};

ConformArgs g_conform;

std::string find_go(const std::string& asked) {
  if (!asked.empty()) return observe::find_executable(asked);
  if (::access(kDebianGo, X_OK) == 0) return kDebianGo;
  return observe::find_executable("go");
}

void print_text(const conform::ScenarioResult& r, const std::string& go, const std::string& policy) {
  std::cout << "scenario " << r.scenario << " (" << r.file << ")";
  if (!r.skipped.empty()) {
    std::cout << ": skipped: " << r.skipped << "\n";
    return;
  }
  if (!r.build_error.empty()) {
    std::cout << ": the exported program does not build:\n" << r.build_error << "\n";
    return;
  }
  std::cout << ": " << go << " " << r.go_runs << " runs, model " << policy << " " << r.schedules << " schedules: "
            << (r.cmp.agrees() ? "agrees" : "DISAGREES") << "\n";
  std::cout << "  real-Go  nsleak  go-order  class\n";
  for (const auto& row : r.cmp.rows) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %7ld  %-6s  %-8s  ", row.go_count, row.reachable ? "y" : "n", row.go_order ? "*" : "");
    std::cout << buf << row.cls.text() << "\n";
  }
  for (const auto& p : r.cmp.problems) std::cout << "  disagreement: " << p << "\n";
}

nlohmann::json to_json(const conform::ScenarioResult& r) {
  nlohmann::json j{{"scenario", r.scenario}, {"file", r.file}};
  if (!r.skipped.empty()) j["skipped"] = r.skipped;
  if (!r.build_error.empty()) j["build_error"] = r.build_error;
  if (!r.skipped.empty() || !r.build_error.empty()) return j;
  j["go_runs"] = r.go_runs;
  j["schedules"] = r.schedules;
  j["agrees"] = r.cmp.agrees();
  j["model_classes"] = r.cmp.model_classes;
  j["problems"] = r.cmp.problems;
  j["classes"] = nlohmann::json::array();
  for (const auto& row : r.cmp.rows)
    j["classes"].push_back({{"class", row.cls.text()}, {"key", row.cls.key()}, {"go_count", row.go_count},
                            {"reachable", row.reachable}, {"go_order", row.go_order}});
  return j;
}

int conform_main(const ConformArgs& a) {
  if (a.runs < 1) throw rt::BadInput("--runs must be at least 1");
  if (a.budget < 1) throw rt::BadInput("--budget must be at least 1 schedule");
  if (!a.policy.empty()) check_policy(a.policy, "--policy");
  const auto paths = expand_paths(a.paths);  // bad paths: exit 2 before any build
  std::vector<scenario::Scenario> scenarios;
  for (const auto& p : paths) scenarios.push_back(load(p));
  if (!a.recorded.empty() && scenarios.size() != 1)
    throw rt::BadInput("--recorded runs are of one program: give exactly one scenario, not " + std::to_string(scenarios.size()));
  for (const auto& f : a.recorded)
    if (::access(f.c_str(), R_OK) != 0) throw rt::BadInput("--recorded " + f + ": cannot read it");
  const std::string go = find_go(a.go);
  if (go.empty()) {
    std::cerr << "nsleak conform: no Go toolchain: "
              << (a.go.empty() ? std::string("neither ") + kDebianGo + " nor go on PATH (apt-get install golang-1.19-go, or --go PATH)"
                               : a.go + " is not an executable")
              << "\n";
    return kEnvironment;
  }
  const std::string version = conform::go_version(go);
  if (version.empty()) {
    std::cerr << "nsleak conform: " << go << " version did not say which Go it is: not a Go toolchain\n";
    return kEnvironment;
  }
  std::string policy = a.policy.empty() ? conform::policy_for(version) : a.policy;
  if (policy.empty()) throw rt::BadInput("no policy models " + version + ": give one with --policy");

  std::string tmpl = (std::getenv("TMPDIR") != nullptr ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/nsleak-conform-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "nsleak conform: cannot create a directory under " << tmpl << "\n";
    return kEnvironment;
  }
  conform::ConformOptions opt;
  opt.go = go;
  opt.workdir = tmpl;
  opt.runs = a.runs;
  opt.policy = policy;
  opt.budget = a.budget;
  opt.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  opt.timeout_s = a.timeout;
  opt.force_userns = a.userns;
  opt.recorded = a.recorded;

  int rc = kOk;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& sc : scenarios) {
    const auto r = conform::conform_scenario(sc, opt);
    if (!r.build_error.empty()) rc = worst(rc, kInternal);
    else if (r.skipped.empty() && !r.cmp.agrees()) rc = worst(rc, kExpectation);
    if (a.format == "json") all.push_back(to_json(r));
    else print_text(r, version, policy);
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  if (a.format == "json")
    std::cout << nlohmann::json{{"go", version}, {"toolchain", go}, {"policy", policy}, {"runs", a.runs}, {"scenarios", all}}.dump(2)
              << "\n";
  return rc;
}

}  // namespace

Command add_conform(CLI::App& app) {
  auto* cmd = app.add_subcommand("conform", "Build each exportable scenario with a real Go toolchain, run it under observe, and "
                                            "check the model reaches every outcome class real Go shows (exit 1 if not)");
  cmd->add_option("paths", g_conform.paths, "Scenario files or directories, or library names (default: scenarios)");
  cmd->add_option("--go", g_conform.go, std::string("The go binary (default: ") + kDebianGo + " when present, else go on PATH)");
  cmd->add_option("--runs", g_conform.runs, "Real Go runs per scenario")->capture_default_str();
  cmd->add_option("-p,--policy", g_conform.policy, "The model's policy: a preset or a JSON policy file (default: the one "
                                                   "matching the toolchain's version, go1.12 for Go >= 1.12)");
  cmd->add_option("--budget", g_conform.budget, "Model schedules explored per scenario (portfolio)")->capture_default_str();
  cmd->add_option("-j,--jobs", g_conform.jobs, "Parallel model schedules (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("-f,--format", g_conform.format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("--timeout", g_conform.timeout, "Seconds before one run (either side) is killed as hung")
      ->check(timeout_validator())
      ->capture_default_str();
  cmd->add_option("--recorded", g_conform.recorded,
                  "Real runs already recorded, one file per run (a hand-written program's JSON lines, optionally "
                  "{\"exit_status\": N}), for the one scenario given: nothing is exported or run on the Go side, "
                  "and the classes leave out the outside verdicts (a recorded run has no kernel facts)")
      ->expected(1, -1);
  cmd->add_flag("--userns", g_conform.userns, "Use a user namespace even when running as root");
  return [] { return conform_main(g_conform); };
}

}  // namespace nsleak::cli
