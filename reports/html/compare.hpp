// Runs of one scenario under several policies (`--policy all`), set beside each other so that
// a reader compares policies instead of scrolling three full pages: an op-by-op table (one row
// per op the program ran, one column per policy: the thread it ran on and the namespace that
// thread was in), rows where the policies differ marked.
#pragma once

#include <sstream>
#include <vector>

#include "reports/html/namespace_palette.hpp"
#include "reports/html/run_view.hpp"

namespace nsleak::reports::timeline {

struct ComparedRun {
  const RunView* view;
  const Namespaces* ns;
};

// The <table class="compare-ops">; nothing when a run is too large to list op by op (it is
// folded on its timeline), or has no trace.
void compare_table(std::ostringstream& os, const std::vector<ComparedRun>& runs);

}  // namespace nsleak::reports::timeline
