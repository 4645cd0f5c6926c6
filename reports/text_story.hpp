// The narrated story of one run, for people: which goroutine ran which op on which thread,
// what namespace every thread was in, and — for each verdict — where the poison came from.
#pragma once

#include <string>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {
using runner::RunReport;

struct StoryOptions {
  bool scheduler_events = false;  // also narrate handoffp/startm/park/... (verbose)
  bool verdict_details = false;   // each goroutine's own provenance under an aggregated verdict
  bool color = false;
};

std::string text_story(const RunReport& r, const StoryOptions& opt = {});
// One line: "PASS article-poisoned-main [go1.12] every expectation met".
std::string summary_line(const RunReport& r);

}  // namespace nsleak::reports
