// nsleak merge A.json B.json...: joins shard suite reports into one JSON and one JUnit file.
#include <fstream>
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "reports/junit.hpp"
#include "reports/suite_merge.hpp"

namespace nsleak::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string json, junit;
  bool junit_passing_output = false;
};
MergeArgs g_merge;

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
  nlohmann::json suite;
  try {
    suite = reports::merge_suites(named);
  } catch (const reports::MergeError& e) {
    std::cerr << "nsleak merge: " << e.what() << "\n";
    return kBadInput;
  }
  // Without --json the merged report goes to standard output, unless --junit took it.
  const std::string json = !a.json.empty() || a.junit == kStdoutPath ? a.json : std::string(kStdoutPath);
  int rc = kOk;
  if (!json.empty()) rc = worst(rc, write_report(json, suite.dump(2) + "\n", "the merged suite report"));
  if (!a.junit.empty())
    rc = worst(rc, write_report(a.junit, reports::junit_xml(suite, {a.junit_passing_output}), "the JUnit report"));
  const auto& s = suite["summary"];
  std::cerr << s["passed"].get<long>() << " passed, " << s["failed"].get<long>() << " failed\n";
  return worst(rc, s["failed"].get<long>() == 0 ? kOk : kExpectation);
}

}  // namespace

Command add_merge(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Join suite reports of shards into one JSON (and JUnit)");
  cmd->add_option("reports", g_merge.inputs, "Suite reports written by nsleak test --json")->required();
  cmd->add_option("--json", g_merge.json, "Write the merged suite report here (default: stdout)");
  cmd->add_option("--junit", g_merge.junit, "Write JUnit XML for the merged suite here (- : standard output)");
  cmd->add_flag("--junit-passing-output", g_merge.junit_passing_output,
                "Also put the story of passing runs in JUnit <system-out> (default: non-passing only)");
  return [] { return merge(g_merge); };
}

}  // namespace nsleak::cli
