// The timeline's SVG drawing of one run. Every group has a class and data-* attributes naming
// what it draws (the test counts them) and a <title> (the browser's native tooltip) with the
// details.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>

#include "harness/runner/run_report.hpp"
#include "reports/html/namespace_palette.hpp"
#include "reports/html/timeline_layout.hpp"

namespace nsleak::reports::timeline {

// The <div class="timeline"> with the run's two SVGs: the lane labels (a column that stays in
// view, CSS position:sticky, when the lanes scroll sideways) and the lanes; `run` (1-based)
// keeps its ids page-wide unique.
void svg_timeline(std::ostringstream& os, const RunView& v, const Namespaces& ns, std::size_t run, Fit fit = {});

}  // namespace nsleak::reports::timeline
