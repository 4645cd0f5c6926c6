#include "harness/conform/observable.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/explore/outcome.hpp"
#include "harness/observe/supervisor.hpp"
#include "harness/scenario/ids.hpp"

namespace nsleak::conform {
namespace {

constexpr const char* kAnother = "another namespace";  // a value no unshare made: as explore names it

std::vector<std::string> outside_only(std::vector<std::string> kinds) {
  std::vector<std::string> out;
  for (const auto k : outside_verdicts())
    if (std::find(kinds.begin(), kinds.end(), verdict::verdict_name(k)) != kinds.end()) out.push_back(verdict::verdict_name(k));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string goroutine_class(const std::string& label) { return label.substr(0, label.find('#')); }

const std::vector<verdict::VerdictKind>& outside_verdicts() {
  using K = verdict::VerdictKind;
  // dirty-at-exit is observe's alone (the model has no such verdict); the rest need beliefs.
  static const std::vector<K> v{K::PoisonedMain, K::InheritedClone, K::ExecInherited, K::ThreadExited};
  return v;
}

std::string Observable::key() const {
  std::string k;
  for (const auto& [g, op, st] : seen) k += g + "@" + op + "=" + st + ";";
  k += "|";
  for (const auto& v : verdicts) k += v + ",";
  // How an abnormal end reads differs by side (a Go panic's exit status 2, the model's fatal
  // error's sentence): the class keeps only that it was abnormal.
  return k + "|" + (end.empty() ? "" : "abnormal end");
}

std::string Observable::text() const {
  std::string t, last;
  for (const auto& [g, op, st] : seen) {  // sorted: one "g@op" then every state it saw
    if (g + "@" + op == last) {
      t += "|" + st;
      continue;
    }
    last = g + "@" + op;
    t += (t.empty() ? "" : ", ") + last + " " + st;
  }
  if (t.empty()) t = "nothing observed";
  std::string v;
  for (const auto& x : verdicts) v += (v.empty() ? "" : ", ") + x;
  t += "; " + (v.empty() ? std::string("no verdict") : v);
  if (!end.empty()) t += "; " + end;
  return t;
}

Observable observable_of(const runner::RunReport& r) {
  Observable o;
  const auto outcome = explore::outcome_of(r);
  // Only what observe could give of the real program: a verdict about a kind its supervisor
  // reads (observe::observed_kinds_mask: every kind of the state table this kernel has).
  std::vector<std::string> kinds;
  const unsigned read_by_observe = observe::observed_kinds_mask();
  for (const auto& v : r.analysis.verdicts)
    if (read_by_observe & (1u << v.kind_index)) kinds.push_back(verdict::verdict_name(v.kind));
  o.verdicts = outside_only(kinds);
  o.end = outcome.end;
  const scenario::Ids ids(r.program);
  const std::map<trace::StateValue, std::string> names = explore::state_names(r);  // explore's naming
  std::map<trace::GoId, std::string> label{{1, "main"}};
  std::map<std::string, int> spawned;
  for (const auto& ev : r.record.events)
    if (const auto* np = ev.as<trace::NewProc>()) {
      const std::string fn = ids.function_name(np->fn);
      label[np->g] = fn + "#" + std::to_string(++spawned[fn]);  // as the Go program's spawn() counts
    }
  for (const auto& ev : r.record.events) {
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr || op->result != trace::OpResult::Ok) continue;
    const scenario::Op* so = ids.op(op->op);
    if (so == nullptr) continue;
    trace::StateValue seen;
    switch (so->kind) {
      case scenario::OpKind::Get: case scenario::OpKind::Exec: seen = op->value; break;
      case scenario::OpKind::Expect: seen = op->observed; break;
      case scenario::OpKind::Syscall:
        for (const auto& s : ev.states)
          if (s.kind == op->kind) seen = s.now;
        break;
      default: continue;
    }
    if (!seen.valid()) continue;
    const auto n = names.find(seen);
    const auto g = label.find(op->g);
    o.seen.emplace(goroutine_class(g != label.end() ? g->second : "?"), so->label, n != names.end() ? n->second : kAnother);
  }
  return o;
}

std::vector<GoLine> parse_go_lines(const std::string& text) {
  std::vector<GoLine> out;
  std::istringstream in(text);
  std::string line;
  auto str = [](const nlohmann::json& j, const char* k) {
    const auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("op")) continue;
    out.push_back({str(j, "op"), str(j, "g"), str(j, "kind"), str(j, "state"), str(j, "as"), str(j, "event")});
  }
  return out;
}

Observable observable_of(const std::vector<GoLine>& lines, const observe::TreeAnalysis& a, const std::string& end) {
  Observable o;
  std::vector<std::string> kinds;
  for (const auto& f : a.findings) kinds.push_back(verdict::verdict_name(f.kind));
  o.verdicts = outside_only(kinds);
  o.end = end;
  std::map<std::string, std::string> names;  // kind + "/" + value -> name
  // A kind's origin is its last origin line: a process-wide setuid/setgid (AllThreadsSyscall)
  // moves it, as the model's analysis moves its origin, and the start value is then another.
  std::map<std::string, std::string> origin;
  for (const auto& l : lines)
    if (l.event == "origin") origin[l.kind] = l.state;
  for (const auto& [kind, st] : origin) names[kind + "/" + st] = "origin";
  for (const auto& l : lines)
    if (l.event == "unshare" && !l.as.empty()) names.emplace(l.kind + "/" + l.state, l.as);
  for (const auto& l : lines) {
    if (!l.event.empty() || l.state.empty()) continue;
    const auto n = names.find(l.kind + "/" + l.state);
    o.seen.emplace(goroutine_class(l.g), l.op, n != names.end() ? n->second : kAnother);
  }
  return o;
}

}  // namespace nsleak::conform
