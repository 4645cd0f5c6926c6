// The machine-readable reports: one run (`nsleak run --format json`) and a suite of runs
// (`nsleak test --json`, joinable with `nsleak merge`). Documented by the JSON Schemas in
// reports/schema/; both carry "schema": "nsleak/run/1" or "nsleak/suite/1".
#pragma once

#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

nlohmann::json run_json(const runner::RunReport& r, bool include_steps = true);
// The same report as text, exactly run_json(r).dump(indent) (indent < 0: one line), written to
// `out` a step at a time: a long run's report is never whole in memory, as a tree or a string.
void write_run_json(std::ostream& out, const runner::RunReport& r, int indent);

struct InvalidScenario {
  std::string file;
  std::string error;  // the located error line, as printed
};

struct SuiteMeta {
  std::string shard;  // "K/N" or "" when not sharded
  double wall_ms = 0;
  std::vector<InvalidScenario> invalid;  // files that could not be loaded: each counts as failed
};
nlohmann::json suite_json(const std::vector<runner::RunReport>& runs, const SuiteMeta& meta);

}  // namespace nsleak::reports
