#include "reports/json_report.hpp"

#include "harness/scenario/utf8.hpp"

#include "harness/os/state_kind.hpp"
#include "harness/trace/names.hpp"
#include "reports/event_json.hpp"
#include "reports/prose.hpp"
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

json provenance_json(const std::vector<verdict::ProvStep>& prov, const Prose& prose) {
  json j = json::array();
  for (const auto& s : prov) j.push_back(prose.step(s));
  return j;
}

json verdict_json(const verdict::Verdict& v, const Prose& prose, const TraceNames& names) {
  json provenance = provenance_json(v.provenance, prose);
  json goroutines = json::array();
  for (const auto& share : v.goroutines)
    goroutines.push_back({{"g", share.g},
                          {"count", share.count},
                          {"op", share.op != 0 ? names.label(share.op) : ""},
                          {"seq", share.seq},
                          {"provenance", provenance_json(share.provenance, prose)}});
  json j{{"kind", verdict::verdict_name(v.kind)},
         {"summary", prose.summary(v)},
         {"provenance", provenance},
         {"occurrences", v.occurrences},
         {"count", v.occurrences},
         {"goroutines", goroutines},
         {"ns", v.m >= 0 || v.value.valid() ? v.value.str() : ""},
         {"op", v.op != 0 ? names.label(v.op) : ""},
         {"seq", v.seq}};
  j["g"] = v.g >= 0 ? json(v.g) : json(nullptr);
  j["m"] = v.m >= 0 ? json(v.m) : json(nullptr);
  j["tid"] = v.tid != 0 ? json(v.tid) : json(nullptr);
  return j;
}

// Every observed kind's value, by kind name ({"net": "4:1", "uts": ...}).
json kinds_json(const verdict::StateSet& s) {
  json j = json::object();
  for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
    if (s.has(k)) j[TraceNames::kind(k)] = s.value[k].str();
  return j;
}

json thread_json(const verdict::ThreadInfo& t) {
  json j{{"m", t.m}, {"tid", t.tid}, {"role", trace::role_name(t.role)},
         {"ns", t.state.value[os::index(os::StateKind::Net)].str()}, {"kinds", kinds_json(t.state)},
         {"state", verdict::thread_state_name(t.end)}};
  j["cloned_from"] = t.cloned_from >= 0 ? json(t.cloned_from) : json(nullptr);
  j["via"] = t.cloned_from >= 0 ? json(trace::via_name(t.via)) : json(nullptr);
  return j;
}

// The op steps, slimmed: the full event stream stays available through `events` when asked.
// A step's `tasks` is every task as the kernel last showed it: an op that read only its own
// thread (rt::Observe::Own; no other thread's state can change there, and the recorder's
// cross-check holds them to it) updates that thread's row of the last full snapshot.
json steps_json(const runner::RunReport& r) {
  json steps = json::array();
  auto all = events_json(r);
  json known = json::array();  // the rows of every task, by tid order
  for (std::size_t i = 0; i < all.size(); ++i) {
    const trace::Event& e = r.record.events[i];
    json& ev = all[i];
    if (e.snapshot) {
      known = ev["tasks"];
    } else if (!e.tasks.empty() && ev.value("ev", "") == "op") {
      const json own = tasks_json_rows(e);
      for (const auto& row : own) {
        bool found = false;
        for (auto& k : known)
          if (k["tid"] == row["tid"]) {
            k = row;
            found = true;
          }
        if (!found) known.push_back(row);
      }
    }
    if (ev.value("ev", "") != "op") continue;
    if (!ev.contains("tasks")) ev["tasks"] = known;
    ev.erase("ev");
    steps.push_back(std::move(ev));
  }
  return steps;
}

}  // namespace

json run_json(const runner::RunReport& r, bool include_steps) {
  const auto& a = r.analysis;
  const auto& jd = r.judgement;
  const NsNames ns(r);
  const TraceNames names(r);
  const Prose prose(r, ns, names, false);
  json disagreements = json::array();
  for (const auto& d : a.disagreements) disagreements.push_back(verdict::describe(d));
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
         {"origin", a.origin.value[os::index(os::StateKind::Net)].str()},
         {"origins", kinds_json(a.origin)},
         {"verdicts", json::array()},
         {"threads", json::array()},
         {"fault", a.fault.empty() ? json(nullptr) : json(a.fault)},
         {"disagreements", disagreements},
         {"stats", {{"steps", a.steps}, {"choices", a.choices}, {"events", r.record.events.size()},
                    {"wall_ms", r.record.wall_ms}, {"userns", r.record.userns}}},
         {"reproduce", r.reproduce}};
  if (!r.record.env_error.empty()) j["environment_error"] = r.record.env_error;
  else if (!r.kernel.events.empty() || !r.audit.empty())
    j["kernel_audit"] = {{"calls", r.kernel.events.size()}, {"differences", r.audit}};
  for (const auto& v : a.verdicts) j["verdicts"].push_back(verdict_json(v, prose, names));
  for (const auto& t : a.threads) j["threads"].push_back(thread_json(t));
  j["steps"] = include_steps ? steps_json(r) : json::array();
  make_valid_utf8(j);
  return j;
}

json suite_json(const std::vector<runner::RunReport>& runs, const SuiteMeta& meta) {
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
