#include "reports/trace_events.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <ostream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/trace/names.hpp"
#include "reports/go_call.hpp"
#include "reports/ns_names.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports {
namespace {

using nlohmann::json;

json meta(const char* name, int pid, std::int64_t tid, json args) {
  json j{{"ph", "M"}, {"name", name}, {"pid", pid}, {"args", std::move(args)}};
  if (tid >= 0) j["tid"] = tid;
  return j;
}

// Where each slice ends, computed before any is written so that each can be written whole as
// it comes: a slice lasts until its thread's next slice or exit (or just past the run's last
// event), so its `dur` is known only later. One number per slice, in the order they are written.
std::vector<std::int64_t> slice_durations(const std::vector<trace::Event>& events) {
  std::vector<std::int64_t> dur;          // a slice's ts until it is closed, then its dur
  std::map<trace::MId, std::size_t> last;  // M -> its open slice
  auto close = [&](trace::MId m, std::int64_t us) {
    const auto it = last.find(m);
    if (it == last.end()) return;
    dur[it->second] = std::max<std::int64_t>(0, us - dur[it->second]);
    last.erase(it);
  };
  auto open = [&](trace::MId m, std::int64_t us) {
    close(m, us);
    last[m] = dur.size();
    dur.push_back(us);
  };
  for (const auto& ev : events) {
    if (const auto* op = ev.as<trace::Op>()) {
      open(op->m, ev.us);
    } else if (const auto* nm = ev.as<trace::NewM>()) {
      for (const auto m : {nm->from_m, nm->m}) open(m, ev.us);
    } else if (const auto* mx = ev.as<trace::MExit>()) {
      close(mx->m, ev.us);
    }
  }
  const std::int64_t end_us = events.empty() ? 0 : events.back().us;
  while (!last.empty()) close(last.begin()->first, end_us + 1);
  return dur;
}

// One run: pid `pid`, a track per M (tid = the M's id, named with its kernel tid and role);
// each trace event goes to `emit` as soon as it is whole.
void run_events(const std::function<void(const json&)>& emit, const runner::RunReport& r, int pid,
                std::int64_t& flow_id) {
  const TraceNames names(r);
  const NsNames ns(r);
  const auto& events = r.record.events;
  emit(meta("process_name", pid, -1, {{"name", r.scenario + " [" + r.policy + "]"}}));
  for (const auto& t : r.analysis.threads) {
    emit(meta("thread_name", pid, t.m,
              {{"name", "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" + trace::role_name(t.role) + ")"}}));
    emit(meta("thread_sort_index", pid, t.m, {{"sort_index", t.m}}));
  }
  const std::vector<std::int64_t> dur = slice_durations(events);
  std::size_t slice = 0;
  const std::int64_t end_us = events.empty() ? 0 : events.back().us;
  std::map<std::int64_t, std::int64_t> us_of;  // seq -> us, for the verdicts' seqs only
  for (const auto& v : r.analysis.verdicts) us_of.emplace(v.seq, end_us);
  std::map<trace::GoId, json> pending_go;  // child -> the flow start, until the child's first op
  for (const auto& ev : events) {
    if (ev.seq >= 0)
      if (const auto it = us_of.find(ev.seq); it != us_of.end()) it->second = ev.us;  // the last event of that seq
    if (const auto* op = ev.as<trace::Op>()) {
      const scenario::Op* o = names.op(op->op);
      json args{{"g", op->g}, {"fn", names.fn(op->g)}, {"label", names.label(op->op)}, {"line", names.line(op->op)},
                {"tid", op->tid}, {"locked", op->locked}};
      std::string cat;
      for (const auto& s : ev.states) {
        const std::string k = TraceNames::kind(s.kind);
        args[k] = ns.show(s.kind, s.now);
        args["belief_" + k] = ns.show(s.kind, s.belief);
        const std::string n = ns.name(s.now);
        cat += (cat.empty() ? "" : ",") + k + ":" + (n.empty() ? s.now.str() : n);
      }
      emit({{"ph", "X"}, {"name", o != nullptr ? go_call(*o) : names.op_name(op->op)}, {"cat", cat.empty() ? "op" : cat},
            {"pid", pid}, {"tid", op->m}, {"ts", ev.us}, {"dur", dur[slice++]}, {"args", args}});
      if (const auto it = pending_go.find(op->g); it != pending_go.end()) {
        emit(it->second);
        emit({{"ph", "f"}, {"bp", "e"}, {"name", "go"}, {"cat", "go"}, {"id", it->second["id"]},
              {"pid", pid}, {"tid", op->m}, {"ts", ev.us}});
        pending_go.erase(it);
      }
      if (op->child != trace::kNoG)
        pending_go[op->child] = {{"ph", "s"}, {"name", "go"}, {"cat", "go"}, {"id", ++flow_id}, {"pid", pid},
                                 {"tid", op->m}, {"ts", ev.us}};
    } else if (const auto* nm = ev.as<trace::NewM>()) {
      // The clone as a short slice on both threads, joined by a flow.
      const std::string what = std::string("clone (") + trace::via_name(nm->via) + ")";
      ++flow_id;
      for (const auto m : {nm->from_m, nm->m})
        emit({{"ph", "X"}, {"name", what}, {"cat", "clone"}, {"pid", pid}, {"tid", m}, {"ts", ev.us},
              {"dur", dur[slice++]},
              {"args", {{"role", trace::role_name(nm->role)}, {"tid", nm->tid}, {"from_tid", nm->from_tid}}}});
      emit({{"ph", "s"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
            {"tid", nm->from_m}, {"ts", ev.us}});
      emit({{"ph", "f"}, {"bp", "e"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
            {"tid", nm->m}, {"ts", ev.us}});
    } else if (const auto* mx = ev.as<trace::MExit>()) {
      emit({{"ph", "i"}, {"s", "t"}, {"name", "thread exits"}, {"cat", "thread"}, {"pid", pid},
            {"tid", mx->m}, {"ts", ev.us}});
    }
  }
  for (const auto& v : r.analysis.verdicts)
    emit({{"ph", "i"}, {"s", "t"}, {"name", verdict::verdict_name(v.kind)}, {"cat", "verdict"},
          {"pid", pid}, {"tid", v.m >= 0 ? v.m : 0}, {"ts", us_of.at(v.seq)}});
}

}  // namespace

void write_trace_events(std::ostream& out, const std::vector<runner::RunReport>& runs) {
  // The document's head is dumped whole with a marker where the events go (dump() escapes every
  // quote in a string, so the marker cannot occur elsewhere); the events are written there one
  // by one: the same text as building the whole tree and dumping it, without the tree.
  static const std::string kMarkerValue = "\x01nsleak-list\x01";
  static const std::string kMarker = "\"\\u0001nsleak-list\\u0001\"";
  const json head{{"traceEvents", kMarkerValue},
                  {"displayTimeUnit", "ms"},
                  {"otherData", {{"producer", "nsleak"}, {"runs", runs.size()}}}};
  const std::string text = head.dump();
  const std::size_t at = text.find(kMarker);
  out << std::string_view(text).substr(0, at) << '[';
  bool any = false;
  std::string one;
  auto emit = [&](const json& ev) {
    one.assign(any ? "," : "");
    one += ev.dump();
    out.write(one.data(), static_cast<std::streamsize>(one.size()));
    any = true;
  };
  std::int64_t flow_id = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) run_events(emit, runs[i], static_cast<int>(i + 1), flow_id);
  out << ']' << std::string_view(text).substr(at + kMarker.size()) << '\n';
}

}  // namespace nsleak::reports
