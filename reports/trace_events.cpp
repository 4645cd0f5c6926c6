#include "reports/trace_events.hpp"

#include <map>

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

// One run: pid `pid`, a track per M (tid = the M's id, named with its kernel tid and role).
void run_events(json& out, const runner::RunReport& r, int pid, std::int64_t& flow_id) {
  const TraceNames names(r);
  const NsNames ns(r);
  const auto& events = r.record.events;
  out.push_back(meta("process_name", pid, -1, {{"name", r.scenario + " [" + r.policy + "]"}}));
  for (const auto& t : r.analysis.threads) {
    out.push_back(meta("thread_name", pid, t.m,
                       {{"name", "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" +
                                     trace::role_name(t.role) + ")"}}));
    out.push_back(meta("thread_sort_index", pid, t.m, {{"sort_index", t.m}}));
  }
  // A slice lasts until its thread's next slice (or just past the run's last event): ops are
  // instants in the trace, and a viewer needs a width to draw and to bind flows to.
  const std::int64_t end_us = events.empty() ? 0 : events.back().us;
  std::map<std::int64_t, std::int64_t> us_of;  // seq -> us, for the verdicts
  for (const auto& ev : events)
    if (ev.seq >= 0) us_of[ev.seq] = ev.us;
  std::map<trace::MId, std::size_t> last;  // M -> index in `out` of its open slice
  auto close = [&](trace::MId m, std::int64_t us) {
    const auto it = last.find(m);
    if (it == last.end()) return;
    auto& s = out[it->second];
    s["dur"] = std::max<std::int64_t>(0, us - s["ts"].get<std::int64_t>());
    last.erase(it);
  };
  std::map<trace::GoId, json> pending_go;  // child -> the flow start, until the child's first op
  for (const auto& ev : events) {
    if (const auto* op = ev.as<trace::Op>()) {
      close(op->m, ev.us);
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
      out.push_back({{"ph", "X"}, {"name", o != nullptr ? go_call(*o) : names.op_name(op->op)},
                     {"cat", cat.empty() ? "op" : cat}, {"pid", pid}, {"tid", op->m}, {"ts", ev.us}, {"dur", 0},
                     {"args", args}});
      last[op->m] = out.size() - 1;
      if (const auto it = pending_go.find(op->g); it != pending_go.end()) {
        out.push_back(it->second);
        out.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "go"}, {"cat", "go"}, {"id", it->second["id"]},
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
      for (const auto m : {nm->from_m, nm->m}) {
        close(m, ev.us);
        out.push_back({{"ph", "X"}, {"name", what}, {"cat", "clone"}, {"pid", pid}, {"tid", m}, {"ts", ev.us},
                       {"dur", 0}, {"args", {{"role", trace::role_name(nm->role)}, {"tid", nm->tid}, {"from_tid", nm->from_tid}}}});
        last[m] = out.size() - 1;
      }
      out.push_back({{"ph", "s"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
                     {"tid", nm->from_m}, {"ts", ev.us}});
      out.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
                     {"tid", nm->m}, {"ts", ev.us}});
    } else if (const auto* mx = ev.as<trace::MExit>()) {
      close(mx->m, ev.us);
      out.push_back({{"ph", "i"}, {"s", "t"}, {"name", "thread exits"}, {"cat", "thread"}, {"pid", pid},
                     {"tid", mx->m}, {"ts", ev.us}});
    }
  }
  while (!last.empty()) close(last.begin()->first, end_us + 1);
  for (const auto& v : r.analysis.verdicts)
    out.push_back({{"ph", "i"}, {"s", "t"}, {"name", verdict::verdict_name(v.kind)}, {"cat", "verdict"},
                   {"pid", pid}, {"tid", v.m >= 0 ? v.m : 0},
                   {"ts", us_of.count(v.seq) ? us_of[v.seq] : end_us}});
}

}  // namespace

json trace_events(const std::vector<runner::RunReport>& runs) {
  json out = json::array();
  std::int64_t flow_id = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) run_events(out, runs[i], static_cast<int>(i + 1), flow_id);
  return {{"traceEvents", std::move(out)},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"producer", "nsleak"}, {"runs", runs.size()}}}};
}

}  // namespace nsleak::reports
