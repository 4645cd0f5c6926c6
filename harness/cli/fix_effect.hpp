// What a substituted policy (a fix) did to a scenario, compared with a run of the base policy
// it stands in for: the leak kinds it closed, those it opened. Under `test --substitute` a FAIL
// alone cannot say which (issue 13.4).
#pragma once

#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::cli {

struct FixEffect {
  std::vector<std::string> closed;  // leak kinds the base run shows and the fix run does not
  std::vector<std::string> opened;  // leak kinds the fix run shows and the base run does not
  const char* word() const { return !opened.empty() ? "opened" : !closed.empty() ? "closed" : "unchanged"; }
};

FixEffect fix_effect(const runner::RunReport& base, const runner::RunReport& fix);
// "closed poisoned-thread, stale-belief; opened -" (or "unchanged").
std::string fix_effect_text(const FixEffect& e);

// "thread-exited ×2, poisoned-main": each verdict kind once, in first-seen order, with a count.
std::string verdict_counts(const verdict::Analysis& a);

}  // namespace nsleak::cli
