#include "reports/json_report.hpp"

#include "harness/scenario/utf8.hpp"

#include "reports/text_story.hpp"

namespace nsleak::reports {

using nlohmann::json;

namespace {

// JSON text must be UTF-8, and nlohmann's dump() throws on anything else. Scenario contents
// are validated UTF-8, but a scenario's *path* (in "file", "reproduce" and the story) is
// whatever bytes the file system holds: every invalid byte becomes U+FFFD.
using scenario::valid_utf8;

void make_valid_utf8(json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    s = valid_utf8(s);
  } else if (j.is_array()) {
    for (auto& e : j) make_valid_utf8(e);
  } else if (j.is_object()) {
    json fixed = json::object();
    for (auto& [k, v] : j.items()) {
      make_valid_utf8(v);
      fixed[valid_utf8(k)] = std::move(v);
    }
    j = std::move(fixed);
  }
}

json verdict_json(const verdict::Verdict& v) {
  json j{{"kind", verdict::verdict_name(v.kind)},
         {"summary", v.summary},
         {"provenance", v.provenance},
         {"occurrences", v.occurrences},
         {"ns", v.ns},
         {"op", v.op},
         {"seq", v.seq}};
  j["g"] = v.g >= 0 ? json(v.g) : json(nullptr);
  j["m"] = v.m >= 0 ? json(v.m) : json(nullptr);
  j["tid"] = v.tid != 0 ? json(v.tid) : json(nullptr);
  return j;
}

// {"net": "4:1", "uts": ...}: every kind with a value, keyed by its table name.
json kinds_json(const verdict::KindValues& values) {
  json j = json::object();
  for (auto k : os::kAllKinds)
    if (!values[os::index(k)].empty()) j[os::kind_name(k)] = values[os::index(k)];
  return j;
}

json thread_json(const verdict::ThreadInfo& t) {
  json j{{"m", t.m}, {"tid", t.tid}, {"role", t.role}, {"ns", verdict::primary(t.values)},
         {"kinds", kinds_json(t.values)}, {"state", t.state}};
  j["cloned_from"] = t.cloned_from >= 0 ? json(t.cloned_from) : json(nullptr);
  j["via"] = t.via.empty() ? json(nullptr) : json(t.via);
  return j;
}

// The op steps, slimmed: the full event stream stays available through `events` when asked.
json steps_json(const sandbox::RunRecord& rec) {
  json steps = json::array();
  for (const auto& ev : rec.events) {
    if (ev.value("ev", "") != "op") continue;
    json s = ev;
    s.erase("ev");
    steps.push_back(std::move(s));
  }
  return steps;
}

}  // namespace

json run_json(const verdict::RunReport& r, bool include_steps) {
  const auto& a = r.analysis;
  const auto& jd = r.judgement;
  json j{{"schema", "nsleak/run/1"},
         {"scenario", r.scenario},
         {"file", r.file},
         {"description", r.description},
         {"policy", r.policy},
         {"strategy", r.strategy},
         {"outcome", verdict::outcome_name(jd.outcome)},
         {"reason", jd.reason},
         {"expected", {{"declared", jd.has_expectation},
                       {"verdicts", jd.expected},
                       {"absent", jd.absent},
                       {"missing", jd.missing},
                       {"unexpected", jd.unexpected}}},
         {"origin", verdict::primary(a.origins)},
         {"origins", kinds_json(a.origins)},
         {"verdicts", json::array()},
         {"threads", json::array()},
         {"fault", a.fault.empty() ? json(nullptr) : json(a.fault)},
         {"disagreements", a.disagreements},
         {"stats", {{"steps", a.steps}, {"choices", a.choices}, {"events", r.record.events.size()},
                    {"wall_ms", r.record.wall_ms}, {"userns", r.record.userns}}},
         {"reproduce", r.reproduce}};
  if (!r.record.env_error.empty()) j["environment_error"] = r.record.env_error;
  for (const auto& v : a.verdicts) j["verdicts"].push_back(verdict_json(v));
  for (const auto& t : a.threads) j["threads"].push_back(thread_json(t));
  j["steps"] = include_steps ? steps_json(r.record) : json::array();
  make_valid_utf8(j);
  return j;
}

json suite_json(const std::vector<verdict::RunReport>& runs, const SuiteMeta& meta) {
  json j{{"schema", "nsleak/suite/1"}, {"shard", meta.shard.empty() ? json(nullptr) : json(meta.shard)},
         {"wall_ms", meta.wall_ms}, {"runs", json::array()}};
  long pass = 0, fail = 0, skipped = 0;
  for (const auto& r : runs) {
    json one = run_json(r, false);
    one["story"] = valid_utf8(text_story(r));
    j["runs"].push_back(std::move(one));
    // A machine that cannot run namespaces skips (README): counted, never a pass or a failure.
    (!r.record.env_error.empty() ? skipped : r.judgement.outcome == verdict::Outcome::Pass ? pass : fail)++;
  }
  j["invalid"] = json::array();
  for (const auto& bad : meta.invalid)
    j["invalid"].push_back({{"file", valid_utf8(bad.file)}, {"error", valid_utf8(bad.error)}});
  fail += static_cast<long>(meta.invalid.size());
  j["summary"] = {{"passed", pass}, {"failed", fail}, {"skipped", skipped}, {"total", pass + fail + skipped}};
  return j;
}

}  // namespace nsleak::reports
