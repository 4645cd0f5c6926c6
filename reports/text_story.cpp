#include "reports/text_story.hpp"

#include <map>
#include <sstream>

#include "harness/runtime/policy.hpp"

namespace nsleak::reports {
namespace {

using nlohmann::json;

// Names for namespace identities: "origin" and every `as` the scenario gave.
class NsNames {
 public:
  explicit NsNames(const RunReport& r) {
    if (!r.analysis.origin.empty()) names_[r.analysis.origin] = "origin";
    for (const auto& ev : r.record.events) {
      const std::string as = ev.value("as", std::string());
      const std::string id = ev.contains("id") ? ev.value("id", std::string()) : ev.value("child_ns", std::string());
      if (!as.empty() && !id.empty() && !names_.count(id)) names_[id] = as;
    }
  }
  std::string show(const std::string& id) const {
    auto it = names_.find(id);
    return "NS(" + id + ")" + (it == names_.end() ? "" : " " + it->second);
  }
  // Every raw "dev:ino" in `text` gets its name appended.
  std::string annotate(std::string text) const {
    for (const auto& [id, name] : names_) {
      std::string out;
      std::size_t pos = 0, hit;
      while ((hit = text.find(id, pos)) != std::string::npos) {
        out += text.substr(pos, hit - pos) + id + " (" + name + ")";
        pos = hit + id.size();
      }
      text = out + text.substr(pos);
    }
    return text;
  }

 private:
  std::map<std::string, std::string> names_;
};

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

std::string who(const json& ev) {
  return "g" + std::to_string(ev.value("g", -1L)) + " " + ev.value("fn", std::string());
}
std::string where(const json& ev) {
  return "m" + std::to_string(ev.value("m", -1L)) + " tid " + std::to_string(ev.value("tid", 0));
}

std::string op_text(const json& ev, const NsNames& names) {
  const std::string op = ev.value("op", "");
  const std::string net = ev["ns"].value("net", std::string());
  if (op == "get")
    return ev.value("as", std::string()) + ": " + names.show(ev.value("id", std::string())) +
           ", tid: " + std::to_string(ev.value("tid", 0));
  if (op == "unshare") {
    if (ev.value("injected", false)) return "unshare failed: " + ev.value("result", std::string()) + " (injected)";
    return "unshare -> new namespace " + names.show(ev.value("id", std::string()));
  }
  if (op == "setns") {
    if (ev.value("injected", false))
      return "setns to " + ev.value("to", std::string()) + " FAILED: " + ev.value("result", std::string()) +
             " (injected; the thread stays in " + names.show(net) + ")";
    return "setns to " + names.show(ev.value("id", std::string()));
  }
  if (op == "lock") return "LockOSThread (lockedExt=" + std::to_string(ev.value("lockedExt", 0)) + ")";
  if (op == "unlock") {
    std::string s = "UnlockOSThread (lockedExt=" + std::to_string(ev.value("lockedExt", 0)) + ")";
    if (ev.value("released", false)) s += ": thread back in the pool, in " + names.show(net);
    return s;
  }
  if (op == "go")
    return std::string("go ") + ev.value("callee", std::string("?")) + " -> g" +
           std::to_string(ev.value("child", -1L)) + (ev.value("inherit", false) ? " (author expects it to inherit the namespace)" : "");
  if (op == "expect")
    return std::string("expect ") + ev.value("is", std::string()) + ": " +
           (ev.value("match", false) ? "ok" : "MISMATCH, thread is in " + names.show(ev.value("observed", std::string())));
  if (op == "exec") return "exec: the child process reports " + names.show(ev.value("child_ns", std::string()));
  if (op == "call") return "call " + ev.value("callee", std::string());
  for (const char* key : {"chan", "wg"})
    if (ev.contains(key)) return op + " " + ev.value(key, std::string());
  return op;
}

std::string sched_text(const json& ev, const NsNames& names, bool verbose) {
  const std::string k = ev.value("ev", "");
  if (k == "newm") {
    std::string net;
    for (const auto& t : ev["tasks"])
      if (t.value("m", -1L) == ev.value("m", -1L)) net = t.value("net", std::string());
    return "newm: thread m" + std::to_string(ev.value("m", -1L)) + " (tid " + std::to_string(ev.value("tid", 0)) +
           ", " + ev.value("role", std::string()) + ") cloned from m" + std::to_string(ev.value("from_m", -1L)) +
           " via " + ev.value("via", std::string()) + ", starts in " + names.show(net);
  }
  if (k == "gexit" && ev.value("locked", false))
    return "g" + std::to_string(ev.value("g", -1L)) + " exits while locked to m" + std::to_string(ev.value("m", -1L)) +
           ": " + (ev.value("fate", "") == "pool" ? "the lock is dropped and the thread returns to the pool"
                   : ev.value("fate", "") == "wedge" ? "M0 cannot exit, it will be wedged"
                                                     : "the thread exits with it");
  if (k == "mexit") return "mexit: thread m" + std::to_string(ev.value("m", -1L)) + " (tid " + std::to_string(ev.value("tid", 0)) + ") is gone";
  if (k == "wedge") return "M0 (tid " + std::to_string(ev.value("tid", 0)) + ") wedged: parks forever";
  if (k == "strict-unlock-kill") return "strict-unlock: thread m" + std::to_string(ev.value("m", -1L)) + " is dirty, killed";
  if (k == "unlock-skipped") return "restore-or-die: unlock skipped, the restore failed";
  if (k == "timers") return "time passes: " + std::to_string(ev.value("now_ms", 0L)) + " ms";
  if (!verbose) return {};
  if (k == "startlockedm")
    return "startlockedm: m" + std::to_string(ev.value("by", -1L)) + " hands P" + std::to_string(ev.value("p", -1L)) +
           " to locked m" + std::to_string(ev.value("m", -1L)) + " for g" + std::to_string(ev.value("g", -1L));
  if (k == "handoffp") return "handoffp: m" + std::to_string(ev.value("m", -1L)) + " gives up P" + std::to_string(ev.value("p", -1L));
  if (k == "stoplockedm") return "stoplockedm: m" + std::to_string(ev.value("m", -1L)) + " waits for its locked g" + std::to_string(ev.value("g", -1L));
  if (k == "startm") return "startm: m" + std::to_string(ev.value("by", -1L)) + " wakes m" + std::to_string(ev.value("m", -1L)) + " with P" + std::to_string(ev.value("p", -1L));
  if (k == "park") return "g" + std::to_string(ev.value("g", -1L)) + " parks: " + ev.value("reason", std::string());
  if (k == "execute") return "m" + std::to_string(ev.value("m", -1L)) + " runs g" + std::to_string(ev.value("g", -1L));
  if (k == "choice")
    return std::string("choice ") + ev.value("kind", "") + ": " + ev["options"][ev.value("chosen", 0)].get<std::string>();
  return {};
}

void story_steps(std::ostringstream& os, const RunReport& r, const NsNames& names, const StoryOptions& opt) {
  const std::string origin = r.analysis.origin;
  for (const auto& ev : r.record.events) {
    const std::string k = ev.value("ev", "");
    if (k == "op") {
      const std::string net = ev["ns"].value("net", std::string());
      const char* mark = net == origin ? "  " : "✗ ";
      os << "  " << mark << pad(who(ev), 22) << pad(where(ev), 16) << op_text(ev, names) << "\n";
      continue;
    }
    if (k == "fault") {
      os << "  !! " << ev.value("message", std::string()) << "\n";
      continue;
    }
    const std::string s = sched_text(ev, names, opt.scheduler_events);
    if (!s.empty()) os << "     · " << s << "\n";
  }
}

void story_verdicts(std::ostringstream& os, const RunReport& r, const NsNames& names) {
  if (r.analysis.verdicts.empty()) {
    os << "\nVerdicts: none — no thread left origin where another goroutine could see it.\n";
    return;
  }
  os << "\nVerdicts:\n";
  for (const auto& v : r.analysis.verdicts) {
    os << "  " << verdict::verdict_name(v.kind) << ": " << names.annotate(v.summary);
    if (v.occurrences > 1) os << " (" << v.occurrences << " times)";
    os << "\n";
    int i = 1;
    for (const auto& p : v.provenance) os << "      " << i++ << ". " << names.annotate(p) << "\n";
  }
}

void story_threads(std::ostringstream& os, const RunReport& r, const NsNames& names) {
  os << "\nThreads at the end:\n";
  for (const auto& t : r.analysis.threads) {
    os << "  " << pad("m" + std::to_string(t.m), 5) << pad("tid " + std::to_string(t.tid), 12)
       << pad(t.role, 14) << pad(t.state, 8) << names.show(t.ns);
    if (t.cloned_from >= 0) os << "   (cloned from m" << t.cloned_from << ", " << t.via << ")";
    os << "\n";
  }
}

}  // namespace

std::string summary_line(const RunReport& r) {
  std::string o = verdict::outcome_name(r.judgement.outcome);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o + " " + r.scenario + " [" + r.policy + "] " + r.judgement.reason;
}

std::string text_story(const RunReport& r, const StoryOptions& opt) {
  const NsNames names(r);
  std::ostringstream os;
  os << "nsleak: " << r.scenario << " under policy " << r.policy << ", strategy " << r.strategy << "\n";
  if (!r.description.empty()) os << "  " << r.description << "\n";
  if (!r.record.env_error.empty()) {
    os << "\nThe sandbox could not be set up: " << r.record.env_error << "\n";
    return os.str();
  }
  os << "\nEach line: goroutine, the thread (M) it ran on, what it did. ✗ = that thread is "
        "outside the origin namespace "
     << names.show(r.analysis.origin) << ".\n\n";
  story_steps(os, r, names, opt);
  story_verdicts(os, r, names);
  story_threads(os, r, names);
  for (const auto& d : r.analysis.disagreements) os << "\nHARNESS BUG (kernel vs runtime): " << d << "\n";
  os << "\n" << summary_line(r) << "\n";
  if (r.judgement.outcome != verdict::Outcome::Pass && !r.reproduce.empty())
    os << "  reproduce: " << r.reproduce << "\n";
  return os.str();
}

}  // namespace nsleak::reports
