// The timeline page: each run drawn as one lane per thread (M), its ops as boxes coloured by
// the namespace the thread was in, clones as arrows between lanes and verdicts pinned where
// they were detected — so a reader *sees* which thread changed namespace, who was cloned from
// it and which goroutine later ran there, instead of reconstructing it from the story.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// A decision pinned on one run's timeline (`nsleak replay --html` marks the flip point): a
// line across the lanes at the event it sits at, the asking thread's lane emphasised, and its
// sentence above the timeline and as the line's tooltip.
struct TimelineMark {
  std::size_t run = 0;              // index into the runs drawn
  std::int64_t seq = -1;            // the trace event it sits at
  std::int64_t m = -1;              // the lane of the thread that decided (-1: none)
  std::string label;                // "flip point"
  std::string text;                 // the sentence
};

// One self-contained HTML5 page (inline CSS and SVG; no script, fonts or other resources, so
// it can be archived as a CI artefact and opened anywhere) with a section per run, in order.
// It is also well-formed XML, so `xmllint --noout` can check it; every piece of scenario text
// is escaped.
std::string html_timeline(const std::vector<runner::RunReport>& runs, const std::vector<TimelineMark>& marks = {});

}  // namespace nsleak::reports
