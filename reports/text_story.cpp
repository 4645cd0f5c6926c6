#include "reports/text_story.hpp"

#include "reports/ns_names.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "harness/runtime/policy.hpp"

namespace nsleak::reports {
namespace {

using nlohmann::json;
using verdict::primary;

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

// Scenario text (the description) shown on a terminal and in JUnit: control characters other
// than newline and tab are written as \uXXXX, so a scenario file cannot move the cursor, clear
// the screen or hide text. C1 controls (U+0080..U+009F) count too: terminals obey them.
std::string visible(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    unsigned cp = 0x100;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) cp = c;
    else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
             static_cast<unsigned char>(s[i + 1]) <= 0x9F)
      cp = static_cast<unsigned char>(s[++i]);
    if (cp == 0x100) {
      out += s[i];
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", cp);
    out += buf;
  }
  return out;
}

// Paragraphs of `text` wrapped at `width` columns (code points), each line after `indent`.
std::string wrap(const std::string& text, const std::string& indent, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line;
    std::size_t cols = 0;
    std::size_t pos = start;
    while (pos < nl) {
      std::size_t end = text.find(' ', pos);
      if (end == std::string::npos || end > nl) end = nl;
      const std::string word = text.substr(pos, end - pos);
      std::size_t wcols = 0;
      for (unsigned char c : word) wcols += (c & 0xC0) != 0x80;
      if (!line.empty() && cols + 1 + wcols > width) {
        out += indent + line + "\n";
        line.clear();
        cols = 0;
      }
      if (!line.empty()) line += ' ', ++cols;
      line += word;
      cols += wcols;
      pos = end + 1;
    }
    out += line.empty() ? "\n" : indent + line + "\n";
    start = nl + 1;
  }
  return out;
}

std::string who(const json& ev) {
  return "g" + std::to_string(ev.value("g", -1L)) + " " + ev.value("fn", std::string());
}
std::string where(const json& ev) {
  return "m" + std::to_string(ev.value("m", -1L)) + " tid " + std::to_string(ev.value("tid", 0));
}

std::string op_text(const json& ev, const NsNames& names) {
  const std::string op = ev.value("op", "");
  const std::string net = ev["ns"].value(os::kind_name(verdict::kPrimaryKind), std::string());
  if (op == "get") {
    // The article's own output line, then what the goroutine's author assumed if it differs.
    std::string s = ev.value("as", std::string()) + ": " + names.show(ev.value("id", std::string())) +
                    ", tid: " + std::to_string(ev.value("tid", 0));
    // A get names one kind of namespace; which one is the kind whose current id it returned.
    const std::string id = ev.value("id", std::string());
    std::string belief;
    if (ev.contains("ns") && ev["ns"].is_object() && ev.contains("belief") && ev["belief"].is_object())
      for (const auto& [kind, now] : ev["ns"].items())
        if (now == id) belief = ev["belief"].value(kind, std::string());
    if (!belief.empty() && belief != id)
      s += "  <- but g" + std::to_string(ev.value("g", -1L)) + " expected " + names.show(belief);
    return s;
  }
  if (op == "unshare") {
    if (ev.value("injected", false))
      return "unshare FAILED: " + ev.value("result", std::string()) + " (injected; the thread stays in " +
             names.show(net) + ")";
    return "unshare: this thread moves to a new namespace, " + names.show(ev.value("id", std::string()));
  }
  if (op == "setns") {
    if (ev.value("injected", false))
      return "setns to " + ev.value("to", std::string()) + " FAILED: " + ev.value("result", std::string()) +
             " (injected; the thread stays in " + names.show(net) + ")";
    return "setns: this thread moves to " + names.show(ev.value("id", std::string()));
  }
  const std::string count = "lock count " + std::to_string(ev.value("lockedExt", 0));
  if (op == "lock") return "LockOSThread: g" + std::to_string(ev.value("g", -1L)) + " is pinned to this thread (" + count + ")";
  if (op == "unlock") {
    if (ev.value("released", false))
      return "UnlockOSThread: the thread is free for any goroutine, still in " + names.show(net);
    if (ev.value("wired", false)) return "UnlockOSThread: still pinned (" + count + ")";
    return "UnlockOSThread (" + count + ")";
  }
  if (op == "go")
    return std::string("go ") + ev.value("callee", std::string("?")) + " -> g" + std::to_string(ev.value("child", -1L)) +
           (ev.value("inherit", false) ? " (the author expects it to run in this namespace too)" : "");
  if (op == "expect")
    return std::string("expect ") + ev.value("is", std::string()) + ": " +
           (ev.value("match", false) ? "ok"
                                     : "MISMATCH, the thread is in " + names.show(ev.value("observed", std::string())) +
                                           ", not " + names.show(ev.value("expected", std::string())));
  if (op == "exec") return "exec: the child process starts in " + names.show(ev.value("child_ns", std::string()));
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
      if (t.value("m", -1L) == ev.value("m", -1L)) net = t.value(os::kind_name(verdict::kPrimaryKind), std::string());
    return "new thread m" + std::to_string(ev.value("m", -1L)) + " (tid " + std::to_string(ev.value("tid", 0)) +
           ", " + ev.value("role", std::string()) + "), cloned from m" + std::to_string(ev.value("from_m", -1L)) +
           (ev.value("via", std::string()) == "template" ? " by the template thread" : "") + ", starts in " +
           names.show(net);
  }
  if (k == "gexit" && ev.value("locked", false))
    return "g" + std::to_string(ev.value("g", -1L)) + " exits while locked to m" + std::to_string(ev.value("m", -1L)) +
           ": " + (ev.value("fate", "") == "pool" ? "the lock is dropped and the thread returns to the pool"
                   : ev.value("fate", "") == "wedge" ? "M0 cannot exit, it will be wedged"
                                                     : "the thread exits with it");
  if (k == "mexit") return "thread m" + std::to_string(ev.value("m", -1L)) + " (tid " + std::to_string(ev.value("tid", 0)) + ") exits";
  if (k == "wedge")
    return "m0 (tid " + std::to_string(ev.value("tid", 0)) + ") is the main thread and cannot exit: it parks forever";
  if (k == "strict-unlock-kill")
    return "strict-unlock: m" + std::to_string(ev.value("m", -1L)) + " (tid " + std::to_string(ev.value("tid", 0)) +
           ") changed namespace while locked, so it is retired; g" + std::to_string(ev.value("g", -1L)) +
           " continues on another thread";
  if (k == "unlock-skipped")
    return "restore-or-die: the namespace restore failed, so UnlockOSThread is skipped and g" +
           std::to_string(ev.value("g", -1L)) + " stays pinned to m" + std::to_string(ev.value("m", -1L));
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
  os << "    " << pad("goroutine", 22) << pad("thread", 16) << "step\n";
  for (const auto& ev : r.record.events) {
    const std::string k = ev.value("ev", "");
    if (k == "op") {
      const char* mark = at_origin(ev["ns"], r.analysis.origins) ? "  " : "✗ ";
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
  os << "\nVerdicts (what leaked; the numbered lines trace each one back, oldest first):\n";
  for (const auto& v : r.analysis.verdicts) {
    os << "  " << verdict::verdict_name(v.kind) << ": " << names.annotate(v.summary);
    if (v.occurrences > 1) os << " (" << v.occurrences << " times)";
    os << "\n";
    int i = 1;
    for (const auto& p : v.provenance) os << "      " << i++ << ". " << names.annotate(p) << "\n";
  }
}

void story_threads(std::ostringstream& os, const RunReport& r, const NsNames& names) {
  os << "\nThreads at the end:\n  " << pad("M", 5) << pad("tid", 12) << pad("role", 14) << pad("state", 8)
     << "namespace\n";
  for (const auto& t : r.analysis.threads) {
    os << "  " << pad("m" + std::to_string(t.m), 5) << pad("tid " + std::to_string(t.tid), 12)
       << pad(t.role, 14) << pad(t.state, 8) << names.show(primary(t.values));
    for (auto k : os::kAllKinds)
      if (k != verdict::kPrimaryKind && !t.values[os::index(k)].empty())
        os << "  " << os::kind_name(k) << " " << names.show(t.values[os::index(k)]);
    if (t.cloned_from >= 0)
      os << "   (cloned from m" << t.cloned_from << (t.via == "template" ? " by the template thread" : "") << ")";
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
  if (!r.description.empty()) os << wrap(visible(r.description), "  ", 88);
  if (!r.record.env_error.empty()) {
    os << "\nThe sandbox could not be set up: " << r.record.env_error << "\n";
    return os.str();
  }
  os << "\nGoroutines (g1, g2, ...) run on OS threads (m0, m1, ...; tid = kernel thread id). A namespace\n"
        "belongs to a thread, not to a goroutine: LockOSThread keeps a goroutine on its thread, and after\n"
        "UnlockOSThread that thread may run any goroutine, in whatever namespace it was left in.\n"
        "✗ marks a thread outside the namespace the program started in, "
     << names.show(primary(r.analysis.origins)) << ".\n\n";
  story_steps(os, r, names, opt);
  story_verdicts(os, r, names);
  story_threads(os, r, names);
  for (const auto& d : r.analysis.disagreements) os << "\nHARNESS BUG (kernel vs runtime): " << d << "\n";
  os << "\n" << summary_line(r) << "\n";
  if (r.judgement.outcome == verdict::Outcome::Pass && r.judgement.has_expectation)
    os << "  (PASS: the run showed the verdicts this scenario expects under " << r.policy
       << ", and none of those it rules out)\n";
  if (r.judgement.outcome != verdict::Outcome::Pass && !r.reproduce.empty())
    os << "  reproduce: " << r.reproduce << "\n";
  return os.str();
}

}  // namespace nsleak::reports
