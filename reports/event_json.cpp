#include "reports/event_json.hpp"

#include <ostream>

#include "harness/sandbox/violation.hpp"

#include "harness/os/state_kind.hpp"
#include "harness/os/fault_injection.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/trace/names.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports {
namespace {

using nlohmann::json;
using scenario::OpKind;

}  // namespace

json tasks_json_rows(const trace::Event& ev) {
  json out = json::array();
  for (const auto& row : ev.tasks) {
    json j{{"tid", row.tid}};
    if (row.m != trace::kNoM) j["m"] = row.m;
    for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
      if (row.has(k)) j[TraceNames::kind(k)] = row.state[k].str();
    out.push_back(std::move(j));
  }
  return out;
}

class EventJson::Writer {
 public:
  explicit Writer(const runner::RunReport& r) : r_(r), names_(r) {}

  json event(const trace::Event& ev) const {
    json j = std::visit([&](const auto& e) { return body(e, ev); }, ev.body);
    j["ev"] = trace::event_name(ev.body);
    if (ev.seq >= 0) {
      j["seq"] = ev.seq;
      j["us"] = ev.us;
      j["t"] = ev.t;
    }
    if (ev.snapshot) j["tasks"] = tasks_json_rows(ev);
    return j;
  }

 private:
  json body(const trace::SandboxReady& e, const trace::Event&) const {
    return {{"userns", e.userns}, {"pid", e.pid}, {"uid", e.uid}};
  }
  json body(const trace::EnvError&, const trace::Event& ev) const { return {{"message", ev.text}}; }
  json body(const trace::SandboxViolation& v, const trace::Event&) const {
    return {{"call", sandbox::describe_violation(v)}, {"nr", v.nr}, {"tid", v.tid}};
  }
  json body(const trace::Disagreement& d, const trace::Event&) const {
    return {{"problems", json::array({verdict::describe(d)})}};
  }
  json body(const trace::Start& e, const trace::Event&) const {
    return {{"procs", e.procs}, {"policy", r_.policy}, {"strategy", r_.strategy}, {"m", 0}, {"tid", e.tid}};
  }
  json body(const trace::NewProc& e, const trace::Event&) const {
    return {{"g", e.g}, {"name", names_.fn(e.g)}, {"parent", e.parent}, {"m", e.m}};
  }
  json body(const trace::Execute& e, const trace::Event&) const { return {{"g", e.g}, {"m", e.m}, {"tid", e.tid}}; }
  json body(const trace::Ready& e, const trace::Event&) const { return {{"g", e.g}, {"by", e.by}}; }
  json body(const trace::Park& e, const trace::Event&) const {
    return {{"g", e.g}, {"m", e.m}, {"reason", names_.wait(e)}};
  }
  json body(const trace::HandoffP& e, const trace::Event&) const { return {{"p", e.p}, {"m", e.m}}; }
  json body(const trace::StartM& e, const trace::Event&) const { return {{"m", e.m}, {"p", e.p}, {"by", e.by}}; }
  json body(const trace::StopLockedM& e, const trace::Event&) const { return {{"m", e.m}, {"g", e.g}}; }
  json body(const trace::StartLockedM& e, const trace::Event&) const {
    return {{"g", e.g}, {"m", e.m}, {"by", e.by}, {"p", e.p}};
  }
  json body(const trace::NewM& e, const trace::Event&) const {
    return {{"m", e.m}, {"tid", e.tid}, {"role", trace::role_name(e.role)}, {"from_m", e.from_m},
            {"from_tid", e.from_tid}, {"via", trace::via_name(e.via)}};
  }
  json body(const trace::NewmHandoff& e, const trace::Event&) const {
    return {{"m", e.m}, {"by", e.by}, {"template", e.templ}};
  }
  json body(const trace::MStart& e, const trace::Event&) const {
    return {{"m", e.m}, {"tid", e.tid}, {"role", trace::role_name(e.role)}};
  }
  json body(const trace::Wedge& e, const trace::Event&) const { return {{"m", e.m}, {"tid", e.tid}}; }
  json body(const trace::MExit& e, const trace::Event&) const { return {{"m", e.m}, {"tid", e.tid}}; }
  json body(const trace::GExit& e, const trace::Event&) const {
    return {{"g", e.g}, {"m", e.m}, {"tid", e.tid}, {"locked", e.locked}, {"fate", trace::fate_name(e.fate)}};
  }
  json body(const trace::EnterSyscall& e, const trace::Event&) const { return {{"g", e.g}, {"m", e.m}, {"p", e.p}}; }
  json body(const trace::ExitSyscall& e, const trace::Event&) const { return {{"g", e.g}, {"m", e.m}, {"p", e.p}}; }
  json body(const trace::Timers& e, const trace::Event&) const { return {{"now_ms", e.now_ms}, {"woken", e.woken}}; }
  json body(const trace::StrictUnlockKill& e, const trace::Event&) const {
    return {{"g", e.g}, {"m", e.m}, {"tid", e.tid}};
  }
  json body(const trace::UnlockSkipped& e, const trace::Event&) const {
    return {{"g", e.g}, {"m", e.m}, {"reason", "restore failed"}};
  }
  json body(const trace::Choice& e, const trace::Event& ev) const {
    json options = json::array();
    for (const auto& o : ev.options) options.push_back(names_.option(o));
    return {{"kind", trace::choice_kind_name(e.kind)}, {"options", options}, {"chosen", e.chosen}};
  }
  json body(const trace::Exit& e, const trace::Event&) const { return {{"code", e.code}, {"m", e.m}}; }
  json body(const trace::Fault& e, const trace::Event& ev) const {
    json j{{"kind", trace::fault_name(e.kind)}, {"message", ev.text}};
    j["state"] = json::parse(ev.detail, nullptr, false);
    if (j["state"].is_discarded()) j["state"] = ev.detail;
    return j;
  }
  json body(const trace::Note& e, const trace::Event& ev) const {
    json j = json::parse(ev.text, nullptr, false);
    if (!j.is_object()) j = json{{"what", ev.text}};
    j["g"] = e.g;
    j["m"] = e.m;
    j["tid"] = e.tid;
    j["gettid"] = e.gettid;
    return j;
  }
  template <class T>
  json body(const T&, const trace::Event&) const {  // attachments and partial events
    return json::object();
  }

  json states(const trace::Event& ev, bool belief) const {
    json j = json::object();
    for (const auto& s : ev.states) j[TraceNames::kind(s.kind)] = (belief ? s.belief : s.now).str();
    return j;
  }

  json body(const trace::Op& e, const trace::Event& ev) const {
    const scenario::Op* o = names_.op(e.op);
    const OpKind kind = o != nullptr ? o->kind : OpKind::Yield;
    const std::string name = o != nullptr ? o->name : "";
    json j{{"op", o != nullptr ? scenario::op_name(kind) : "?"},
           {"label", o != nullptr ? o->label : "?"},
           {"line", o != nullptr ? o->loc.line : 0},
           {"col", o != nullptr ? o->loc.col : 0},
           {"g", e.g},
           {"fn", names_.fn(e.g)},
           {"m", e.m},
           {"tid", e.tid},
           {"ns", states(ev, false)},
           {"belief", states(ev, true)},
           {"inherit", e.inherit},
           {"locked", e.locked}};
    const std::string kname = TraceNames::kind(e.kind);
    const bool injected = e.result == trace::OpResult::Injected;
    switch (kind) {
      case OpKind::Lock:
        j["lockedExt"] = e.lockedExt;
        j["wired"] = e.wired;
        break;
      case OpKind::Unlock:
        j["lockedExt"] = e.lockedExt;
        j["wired"] = e.wired;
        j["released"] = e.released;
        break;
      case OpKind::Unshare:
      case OpKind::Setns:
        if (injected) {
          const auto k = os::kAllKinds[e.kind];
          j["to"] = name;
          j["result"] = os::errno_name(e.err);
          j["injected"] = true;
          j["call"] = kind == OpKind::Unshare ? os::unshare_call(k) : os::setns_call(e.fd, k);
        } else {
          j[kind == OpKind::Unshare ? "as" : "to"] = name;
          j["id"] = e.value.str();
          j["result"] = "ok";
        }
        break;
      case OpKind::Get:
        j["as"] = name;
        j["id"] = e.value.str();
        j["observe"] = true;
        break;
      case OpKind::Expect:
        j["is"] = name;
        j["kind"] = kname;
        j["expected"] = e.value.str();
        j["observed"] = e.observed.str();
        j["match"] = e.match;
        j["observe"] = true;
        break;
      case OpKind::Exec:
        j["as"] = name;
        j["child_ns"] = e.value.str();
        j["observe"] = true;
        break;
      case OpKind::Go: {
        j["callee"] = name;
        j["child"] = e.child;
        j["inherit"] = o->inherit;
        // The child's belief: its spawner's with inherit, origin otherwise.
        json cb = json::object();
        for (const auto& s : ev.states)
          cb[TraceNames::kind(s.kind)] = (o->inherit ? s.belief : r_.analysis.origin.value[s.kind]).str();
        j["child_belief"] = cb;
        break;
      }
      case OpKind::Call: j["callee"] = name; break;
      case OpKind::Send:
      case OpKind::Close: j["chan"] = name; break;
      case OpKind::Recv:
        j["chan"] = name;
        j["ok"] = e.ok;
        break;
      case OpKind::WgAdd:
        j["wg"] = name;
        j["n"] = o->n;
        break;
      case OpKind::WgDone:
      case OpKind::WgWait: j["wg"] = name; break;
      case OpKind::Sleep: j["ms"] = o->n; break;
      case OpKind::Chdir: j["dir"] = name; break;
      case OpKind::Setuid:
      case OpKind::Setgid:
        j[kind == OpKind::Setuid ? "uid" : "gid"] = o->n;
        j["raw"] = o->raw;
        j["all_threads"] = e.all_threads;
        j["id"] = e.value.str();
        break;
      case OpKind::Setaffinity:
        j["cpus"] = o->cpus;
        j["id"] = e.value.str();
        break;
      case OpKind::Setnice:
        j["nice"] = o->n;
        j["id"] = e.value.str();
        break;
      case OpKind::Syscall:
        j["resumed_m"] = e.resumed_m;
        j["observe"] = true;
        break;
      case OpKind::Tid: j["as"] = name; break;  // the thread named is this event's m/tid
      case OpKind::Until:
        j["thread"] = name;
        j["watched_m"] = e.child;
        j["watched_tid"] = e.value.major;
        j["pass"] = e.value.minor;
        j["max"] = o->n;
        j["gone"] = e.ok;
        if (e.resumed_m != trace::kNoM) j["resumed_m"] = e.resumed_m;
        break;
      case OpKind::Yield:
      case OpKind::Repeat:
      case OpKind::Exit:
      case OpKind::TestForbiddenSyscall: break;  // nothing but the op itself
    }
    return j;
  }

  const runner::RunReport& r_;
  TraceNames names_;
};

EventJson::EventJson(const runner::RunReport& r) : w_(std::make_unique<const Writer>(r)) {}
EventJson::~EventJson() = default;
json EventJson::operator()(const trace::Event& ev) const { return w_->event(ev); }

void write_event_lines(std::ostream& out, const runner::RunReport& r) {
  const EventJson event_json(r);
  std::string line;
  for (const auto& ev : r.record.events) {
    line = event_json(ev).dump();
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

}  // namespace nsleak::reports
