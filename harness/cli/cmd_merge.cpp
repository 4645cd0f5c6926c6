// nsleak merge A.json B.json...: joins shard suite reports into one JSON and one JUnit file,
// or the shards of an exploration (explore --shard K/N --format json) into one exploration.
#include <fstream>
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "reports/explore_merge.hpp"
#include "reports/junit.hpp"
#include "reports/suite_merge.hpp"

namespace nsleak::cli {
namespace {

// Runs a merge; a MergeError (a report that cannot be merged) is bad input: its line, exit 2.
template <class Merge>
int merged(nlohmann::json& out, Merge&& merge) {
  try {
    out = merge();
  } catch (const reports::MergeError& e) {
    std::cerr << "nsleak merge: " << e.what() << "\n";
    return kBadInput;
  }
  return kOk;
}

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string json, junit;
  bool junit_passing_output = false;
};
MergeArgs g_merge;

// Shards of `nsleak explore --shard K/N --format json`: one exploration per scenario x policy.
int merge_explorations(const MergeArgs& a, const std::vector<std::pair<std::string, nlohmann::json>>& named) {
  if (!a.junit.empty()) {
    std::cerr << "nsleak merge: --junit is for suite reports (nsleak test --json), not explorations\n";
    return kBadInput;
  }
  nlohmann::json joined;
  if (merged(joined, [&] { return reports::merge_explorations(named); }) != kOk) return kBadInput;
  const std::string json = a.json.empty() ? std::string(kStdoutPath) : a.json;
  constexpr std::string_view kWhat = "the merged exploration report";
  if (const int begun = begin_reports({{&json, ReportKind::Json, kWhat}}); begun != kOk) return begun;
  const int rc = write_report(json, joined.dump(2) + "\n", kWhat);
  for (const auto& e : joined.is_array() ? joined : nlohmann::json::array({joined}))
    std::cerr << e["scenario"].get<std::string>() << " under " << e["policy"].get<std::string>() << ": "
              << e["coverage"].get<std::string>() << "; " << e["classes"].size()
              << (e["classes"].size() == 1 ? " outcome class\n" : " outcome classes\n");
  return rc;
}

int merge(const MergeArgs& a) {
  std::vector<std::pair<std::string, nlohmann::json>> named;
  for (const auto& path : a.inputs) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << path << ":0:0: cannot open\n";
      return kBadInput;
    }
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) {
      std::cerr << path << ":0:0: not valid JSON\n";
      return kBadInput;
    }
    named.emplace_back(path, std::move(j));
  }
  claim_stdout({{"--json", &a.json}, {"--junit", &a.junit}});
  if (!named.empty() && reports::is_exploration(named.front().second)) return merge_explorations(a, named);
  nlohmann::json suite;
  if (merged(suite, [&] { return reports::merge_suites(named); }) != kOk) return kBadInput;
  // Without --json the merged report goes to standard output, unless --junit took it.
  const std::string json = !a.json.empty() || a.junit == kStdoutPath ? a.json : std::string(kStdoutPath);
  // The merge itself is quick and in memory: the placeholders go up just before the reports
  // are written (a bad input leaves every old report as it was), so a merge killed between its
  // two reports does not leave one of them looking current.
  constexpr std::string_view kSuite = "the merged suite report", kJUnit = "the JUnit report";
  int rc = begin_reports({{&json, ReportKind::Json, kSuite}, {&a.junit, ReportKind::JUnit, kJUnit}});
  if (rc != kOk) return rc;
  if (!json.empty()) rc = worst(rc, write_report(json, suite.dump(2) + "\n", kSuite));
  if (!a.junit.empty())
    rc = worst(rc, write_report(a.junit, reports::junit_xml(suite, {a.junit_passing_output}), kJUnit));
  const auto& s = suite["summary"];
  std::cerr << s["passed"].get<long>() << " passed, " << s["failed"].get<long>() << " failed\n";
  return worst(rc, s["failed"].get<long>() == 0 ? kOk : kExpectation);
}

}  // namespace

Command add_merge(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Join suite reports of shards into one JSON (and JUnit), or explorations' shards into one");
  cmd->add_option("reports", g_merge.inputs,
                  "Suite reports written by nsleak test --json, or explorations by nsleak explore --shard K/N --format json")
      ->required();
  cmd->add_option("--json", g_merge.json, "Write the merged suite report here (default: stdout)");
  cmd->add_option("--junit", g_merge.junit, "Write JUnit XML for the merged suite here (- : standard output)");
  cmd->add_flag("--junit-passing-output", g_merge.junit_passing_output,
                "Also put the story of passing runs in JUnit <system-out> (default: non-passing only)");
  return [] { return merge(g_merge); };
}

}  // namespace nsleak::cli
