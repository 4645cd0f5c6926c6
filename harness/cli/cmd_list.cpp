// nsleak list: the vocabulary — policies, verdicts, ops, state kinds and strategies.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/op_reader.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::cli {

namespace {

std::vector<std::string> g_list_paths;

// The scenario library: name, the policies it declares, and its first sentence.
void list_scenarios(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  try {
    files = expand_paths(paths);
  } catch (const scenario::ParseError& e) {
    // No library here (e.g. run outside the source tree): nothing to list. A path that is
    // there but cannot be read is the user's to fix, and named.
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(e.where().file, ec))) throw;
    return;
  }
  std::cout << "Scenarios (" << files.size() << " files):\n";
  for (const auto& f : files) {
    try {
      const auto sc = load(f);
      std::string policies;
      for (const auto& p : sc.expect_order) policies += (policies.empty() ? "" : ",") + p;
      std::string first = sc.description.substr(0, sc.description.find(". ") + 1);
      if (first.size() > 100) first = first.substr(0, 97) + "...";
      std::cout << "  " << std::left << std::setw(40) << sc.name << " [" << policies << "]\n      " << f
                << (first.empty() ? "" : ": " + first) << "\n";
    } catch (const scenario::ParseError& e) {
      std::cout << "  BAD " << e.what() << "\n";
    }
  }
  std::cout << "\n";
}

// `nsleak list ops`: every op with its keys, as the parser reads them.
void list_ops() {
  std::cout << "Scenario ops (each an object {\"op\": NAME, ...}; * = required):\n";
  for (std::size_t i = 0; i < scenario::op_names().size(); ++i) {
    const auto kind = static_cast<scenario::OpKind>(i);
    std::cout << "  " << scenario::op_name(kind) << "\n      " << scenario::op_go(kind) << "\n";
    for (const auto& f : scenario::op_fields(kind))
      std::cout << "      " << (f.required ? "* " : "  ") << std::left << std::setw(8) << f.key + " " << f.syntax
                << (f.default_text.empty() ? "" : "; default " + f.default_text) << "\n";
  }
}

}  // namespace

Command add_list(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "List scenarios, policies, verdicts, scenario ops, state kinds and strategies");
  cmd->add_option("paths", g_list_paths, "Scenario files or directories (default: scenarios, or the embedded library); `ops`: every op with its keys");
  return [] {
    if (g_list_paths == std::vector<std::string>{"ops"}) {
      list_ops();
      return kOk;
    }
    // "scenarios": the directory here, else the library embedded in nsleak.
    list_scenarios(g_list_paths.empty() ? std::vector<std::string>{"scenarios"} : g_list_paths);
    std::cout << "Policies (--policy):\n";
    for (const auto& p : rt::policy_presets())
      std::cout << "  " << std::left << std::setw(16) << p.name << p.description << "\n";
    std::cout << "  <file.json>     {\"base\": \"go1.12\", \"toggles\": {...}} with toggles:";
    for (const auto& [name, on] : rt::policy_toggles(rt::Policy{})) std::cout << " " << name;
    std::cout << "\n\nVerdicts:\n";
    for (const auto& name : verdict::verdict_names())
      std::cout << "  " << std::left << std::setw(18) << name
                << verdict::verdict_meaning(*verdict::verdict_from_name(name)) << "\n";
    std::cout << "\nScenario ops:\n  ";
    for (const auto& op : scenario::op_names()) std::cout << op << " ";
    std::cout << "\n\nState kinds (an op's \"state\"; \"ns\" is its old name):\n";
    for (const auto& k : os::state_kinds()) {
      std::cout << "  " << std::left << std::setw(16) << k.name << k.display << " (" << k.flag_name << "; "
                << (k.on_clone == os::Inheritance::Copies ? "copied" : "shared") << " by a thread's clones)";
      if (const std::string why = os::unavailable_reason(k.kind); !why.empty()) std::cout << "; not here: " << why;
      std::cout << "\n";
    }
    std::cout << "\nStrategies (--strategy):\n  go-order        Go's own preferences (the canonical schedule)\n"
                 "  random:SEED     uniformly random at every choice point, reproducible\n";
    return kOk;
  };
}

}  // namespace nsleak::cli
