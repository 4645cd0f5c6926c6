// nsleak list: the vocabulary — policies, verdicts, ops and strategies.
#include <iomanip>
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::cli {

Command add_list(CLI::App& app) {
  app.add_subcommand("list", "List policies, verdicts, scenario ops and strategies");
  return [] {
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
    std::cout << "\n\nStrategies (--strategy):\n  go-order        Go's own preferences (the canonical schedule)\n"
                 "  random:SEED     uniformly random at every choice point, reproducible\n";
    return kOk;
  };
}

}  // namespace nsleak::cli
