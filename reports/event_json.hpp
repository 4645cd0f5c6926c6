// The trace as JSON, for `--events` (one object per line), the run report's `steps` and the
// timeline page: derived from the typed events, in the event stream's public shape (keys as
// reports/schema/run.schema.json's `step` and `task` describe them).
#pragma once

#include <iosfwd>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// One event at a time, with the run's names resolved once: the reports that stream (the run
// report's steps, --events) never hold every event's JSON at once (a 100,000-op run has about
// 700,000 events).
class EventJson {
 public:
  explicit EventJson(const runner::RunReport& r);
  ~EventJson();
  EventJson(const EventJson&) = delete;
  EventJson& operator=(const EventJson&) = delete;
  nlohmann::json operator()(const trace::Event& ev) const;

 private:
  class Writer;
  std::unique_ptr<const Writer> w_;
};
// `--events`: every event of `r` as one JSON object per line, written as each is made.
void write_event_lines(std::ostream& out, const runner::RunReport& r);

// The kernel rows attached to `ev` ({"tid", "m", kind: id}): a full snapshot's, or an op's own
// thread's (rt::Observe::Own).
nlohmann::json tasks_json_rows(const trace::Event& ev);

}  // namespace nsleak::reports
