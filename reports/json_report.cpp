#include "reports/json_report.hpp"

#include <functional>
#include <ostream>
#include <string_view>
#include <variant>

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

// Every task as the kernel last showed it, by tid order: what each step's `tasks` repeats. A
// long run has tens of tasks and a hundred thousand steps, and a row rarely changes between
// two steps, so each row's text is kept once made (dump()'s, at its depth in the report) and
// only a row that changed is made again.
class KnownTasks {
 public:
  // A full snapshot: every row (a row equal to the one before keeps its text).
  void set(const json& rows) {
    std::vector<std::string> text(rows.size());
    for (std::size_t i = 0; i < rows.size() && i < rows_.size(); ++i)
      if (rows[i] == rows_[i]) text[i] = std::move(text_[i]);
    rows_.assign(rows.begin(), rows.end());
    text_ = std::move(text);
  }
  // One task's own row (rt::Observe::Own).
  void update(json row) {
    for (std::size_t i = 0; i < rows_.size(); ++i)
      if (rows_[i]["tid"] == row["tid"]) {
        if (rows_[i] != row) text_[i].clear();
        rows_[i] = std::move(row);
        return;
      }
    rows_.push_back(std::move(row));
    text_.emplace_back();
  }
  json array() const { return json(rows_); }
  // Appends the array as dump(indent) prints it nested `depth` levels deep (indent < 0: one line).
  void append_to(std::string& out, int indent, int depth) {
    if (rows_.empty()) {
      out += "[]";
      return;
    }
    const std::string pad = indent < 0 ? "" : "\n" + std::string(static_cast<std::size_t>(indent * (depth + 1)), ' ');
    out += '[';
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      if (text_[i].empty()) text_[i] = reindent(rows_[i].dump(indent), pad);
      if (i != 0) out += ',';
      out += pad;
      out += text_[i];
    }
    if (indent >= 0) out.append(1, '\n').append(static_cast<std::size_t>(indent * depth), ' ');
    out += ']';
  }

  // `text`'s lines after the first, each preceded by `pad` ("\n" and the spaces of its depth)
  // instead of a bare newline: dump() escapes a string's newlines, so every raw one is a line.
  static std::string reindent(const std::string& text, const std::string& pad) {
    if (pad.empty()) return text;
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (char c : text) {
      if (c == '\n') out += pad;
      else out += c;
    }
    return out;
  }

 private:
  std::vector<json> rows_;
  std::vector<std::string> text_;  // rows_[i]'s text, empty until made (or since it changed)
};

// The op steps, slimmed, one at a time to `emit`, each without its `tasks` (which are `known`
// as they stand at that step): the full event stream stays available through `events` when
// asked. A step's `tasks` is every task as the kernel last showed it: an op that read only its
// own thread (rt::Observe::Own; no other thread's state can change there, and the recorder's
// cross-check holds them to it) updates that thread's row of the last full snapshot.
void for_each_step(const runner::RunReport& r, const std::function<void(json&&, KnownTasks&)>& emit) {
  const EventJson event_json(r);
  KnownTasks known;
  for (const trace::Event& e : r.record.events) {
    const bool is_op = std::holds_alternative<trace::Op>(e.body);
    if (!is_op && !e.snapshot) continue;  // neither a step nor the rows a step reuses
    if (e.snapshot) {
      json rows = tasks_json_rows(e);
      make_valid_utf8(rows);
      known.set(rows);
    } else if (!e.tasks.empty()) {
      json own = tasks_json_rows(e);
      make_valid_utf8(own);
      for (auto& row : own) known.update(std::move(row));
    }
    if (!is_op) continue;
    json ev = event_json(e);
    ev.erase("tasks");
    ev.erase("ev");
    make_valid_utf8(ev);
    emit(std::move(ev), known);
  }
}

// Everything but the steps (an empty array there).
json run_head(const runner::RunReport& r) {
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
  j["steps"] = json::array();
  make_valid_utf8(j);
  return j;
}

}  // namespace

json run_json(const runner::RunReport& r, bool include_steps) {
  json j = run_head(r);
  if (include_steps)
    for_each_step(r, [&](json&& step, KnownTasks& known) {
      step["tasks"] = known.array();
      j["steps"].push_back(std::move(step));
    });
  return j;
}

void write_run_json(std::ostream& out, const runner::RunReport& r, int indent) {
  // The head is dumped whole with a marker where its steps go, which are then written there
  // one by one, each step dumped with a marker where its tasks go: the same text as
  // run_json(r).dump(indent), with no tree of the whole report, nor of a step's tasks. The
  // marker cannot occur elsewhere: dump() escapes every quote and backslash in a string.
  static const std::string kMarkerValue = "\x01nsleak-list\x01";
  static const std::string kMarker = "\"\\u0001nsleak-list\\u0001\"";
  json head = run_head(r);
  head["steps"] = kMarkerValue;
  const std::string text = head.dump(indent);
  const std::size_t at = text.find(kMarker);
  out << std::string_view(text).substr(0, at);
  const std::string pad = indent < 0 ? "" : "\n" + std::string(2 * static_cast<std::size_t>(indent), ' ');
  bool any = false;
  out << '[';
  std::string buf;  // one step's text, written at once
  for_each_step(r, [&](json&& step, KnownTasks& known) {
    step["tasks"] = kMarkerValue;
    const std::string s = KnownTasks::reindent(step.dump(indent), pad);  // a step is 2 levels deep
    const std::size_t t = s.find(kMarker);
    buf.assign(any ? "," : "").append(pad).append(s, 0, t);
    known.append_to(buf, indent, 3);
    buf.append(s, t + kMarker.size());
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    any = true;
  });
  if (any && indent >= 0) out << '\n' << std::string(static_cast<std::size_t>(indent), ' ');
  out << ']' << std::string_view(text).substr(at + kMarker.size());
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
