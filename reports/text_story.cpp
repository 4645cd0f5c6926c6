#include "reports/text_story.hpp"

#include "reports/ns_names.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "harness/os/fault_injection.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/trace/names.hpp"
#include "reports/go_call.hpp"
#include "reports/prose.hpp"
#include "reports/trace_names.hpp"

namespace nsleak::reports {
namespace {

using scenario::OpKind;

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
    else if (c == 0xE2 && i + 2 < s.size()) {
      // Bidi controls (U+200E/F, U+202A..U+202E, U+2066..U+2069) reorder the terminal's text
      // as C0 controls can rewrite it: shown escaped too.
      const unsigned b = static_cast<unsigned char>(s[i + 1]) << 8 | static_cast<unsigned char>(s[i + 2]);
      if (b == 0x808E || b == 0x808F || (b >= 0x80AA && b <= 0x80AE) || (b >= 0x81A6 && b <= 0x81A9)) {
        cp = 0x2000 | ((b >> 2) & 0xFC0) | (b & 0x3F);
        i += 2;
      }
    }
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

// The story reads the typed trace: each op, scheduler event and verdict in words.
class Story {
 public:
  Story(const runner::RunReport& r, const NsNames& ns, const TraceNames& names)
      : r_(r), ns_(ns), names_(names) {}

  void steps(std::ostringstream& os, const StoryOptions& opt) const {
    os << "    " << pad("goroutine", 22) << pad("thread", 16) << "step\n";
    // Origin as of each step: the analysis's is the run's last, and an AllThreadsSyscall
    // (go1.16's setuid) moves it; before that, the program's start is what a step compares to.
    verdict::StateSet origin = r_.analysis.origin;
    for (const auto& ev : r_.record.events)
      if (const auto* op = ev.as<trace::Op>(); op != nullptr && op->all_threads)
        for (const auto& st : ev.states)
          if (st.kind == op->kind) origin.value[st.kind] = start_value(st.kind);
    for (const auto& ev : r_.record.events) {
      if (const auto* op = ev.as<trace::Op>()) {
        if (op->all_threads && op->value.valid()) origin.value[op->kind] = op->value;
        const char* mark = clean(ev, origin) ? "  " : "✗ ";
        os << "  " << mark << pad("g" + std::to_string(op->g) + " " + names_.fn(op->g), 22)
           << pad("m" + std::to_string(op->m) + " tid " + std::to_string(op->tid), 16) << op_text(ev, *op) << "\n";
        continue;
      }
      if (ev.is<trace::Fault>()) {
        os << "  !! " << ev.text << "\n";
        continue;
      }
      const std::string s = sched_text(ev, opt.scheduler_events);
      if (!s.empty()) os << "     · " << s << "\n";
    }
  }

 private:
  // The op ran in origin for every observed kind.
  static bool clean(const trace::Event& ev, const verdict::StateSet& origin) {
    for (const auto& s : ev.states)
      if (origin.has(s.kind) && s.now != origin.value[s.kind]) return false;
    return true;
  }
  // M0's value of kind k when the program started (the Start event's snapshot).
  trace::StateValue start_value(trace::KindIndex k) const {
    for (const auto& ev : r_.record.events)
      if (ev.is<trace::Start>())
        for (const auto& row : ev.tasks)
          if (row.m == 0 && row.has(k)) return row.state[k];
    return r_.analysis.origin.value[k];
  }
  trace::StateValue now(const trace::Event& ev, trace::KindIndex k) const {
    for (const auto& s : ev.states)
      if (s.kind == k) return s.now;
    return {};
  }
  static constexpr trace::KindIndex kNet = static_cast<trace::KindIndex>(os::index(os::StateKind::Net));

  std::string op_text(const trace::Event& ev, const trace::Op& e) const {
    const scenario::Op* o = names_.op(e.op);
    if (o == nullptr) return "?";
    const std::string net = ns_.show(kNet, now(ev, kNet));
    const bool injected = e.result == trace::OpResult::Injected;
    const std::string count = "lock count " + std::to_string(e.lockedExt);
    switch (o->kind) {
      case OpKind::Get: {
        // The article's own output line, then what the goroutine's author assumed if it differs.
        std::string s = o->name + ": " + ns_.show(e.kind, e.value) + ", tid: " + std::to_string(e.tid);
        for (const auto& st : ev.states)
          if (st.kind == e.kind && st.belief.valid() && st.belief != e.value)
            s += "  <- but g" + std::to_string(e.g) + " expected " + ns_.show(st.kind, st.belief);
        return s;
      }
      case OpKind::Unshare:
        if (injected)
          return "unshare FAILED: " + os::errno_name(e.err) + " (injected; the thread stays in " + net + ")";
        return "unshare: this thread moves to a new namespace, " + ns_.show(e.kind, e.value);
      case OpKind::Setns:
        if (injected)
          return "setns to " + o->name + " FAILED: " + os::errno_name(e.err) + " (injected; the thread stays in " + net + ")";
        return "setns: this thread moves to " + ns_.show(e.kind, e.value);
      case OpKind::Lock: return "LockOSThread: g" + std::to_string(e.g) + " is pinned to this thread (" + count + ")";
      case OpKind::Unlock:
        if (e.released) return "UnlockOSThread: the thread is free for any goroutine, still in " + net;
        if (e.wired) return "UnlockOSThread: still pinned (" + count + ")";
        return "UnlockOSThread (" + count + ")";
      case OpKind::Go:
        return "go " + o->name + " -> g" + std::to_string(e.child) +
               (o->inherit ? " (the author expects it to run in this namespace too)" : "");
      case OpKind::Expect:
        return "expect " + o->name + ": " +
               (e.match ? "ok" : "MISMATCH, the thread is in " + ns_.show(e.kind, e.observed) + ", not " + ns_.show(e.kind, e.value));
      case OpKind::Exec: return "exec: the child process starts in " + ns_.show(e.kind, e.value);
      case OpKind::Call: return "call " + o->name;
      case OpKind::Send:
      case OpKind::Recv:
      case OpKind::Close:
      case OpKind::WgAdd:
      case OpKind::WgDone:
      case OpKind::WgWait: return std::string(scenario::op_name(o->kind)) + " " + o->name;
      case OpKind::Chdir: return "chdir " + o->name + ": every thread sharing this one's fs struct is now in " + ns_.show(e.kind, e.value);
      case OpKind::Setuid:
      case OpKind::Setgid:
        if (e.all_threads)
          return go_call(*o) + ": every thread moves to " + ns_.show(e.kind, e.value) + " (AllThreadsSyscall)";
        return go_call(*o) + ": this thread only moves to " + ns_.show(e.kind, e.value);
      case OpKind::Setaffinity:
      case OpKind::Setnice: return go_call(*o) + ": this thread only moves to " + ns_.show(e.kind, e.value);
      case OpKind::Tid: return "tid: this thread (tid " + std::to_string(e.tid) + ") is named " + o->name;
      case OpKind::Until: {
        const std::string what = "until: thread " + o->name + " (m" + std::to_string(e.child) + ", tid " +
                                 std::to_string(e.value.major) + ")";
        const std::string pass = std::to_string(e.value.minor) + " of " + std::to_string(o->n);
        if (e.ok) return what + " is gone after pass " + pass + ": the loop ends";
        if (static_cast<std::int64_t>(e.value.minor) >= o->n) return what + " still there after pass " + pass + ": max reached";
        return what + " still there after pass " + pass;
      }
      default: return scenario::op_name(o->kind);
    }
  }

  std::string sched_text(const trace::Event& ev, bool verbose) const {
    const auto m = [](std::int64_t id) { return "m" + std::to_string(id); };
    const auto g = [](std::int64_t id) { return "g" + std::to_string(id); };
    if (const auto* e = ev.as<trace::NewM>()) {
      trace::StateValue net;
      if (const auto* row = ev.task(e->tid); row != nullptr && row->has(kNet)) net = row->state[kNet];
      return "new thread " + m(e->m) + " (tid " + std::to_string(e->tid) + ", " + trace::role_name(e->role) +
             "), cloned from " + m(e->from_m) + (e->via == trace::CloneVia::Template ? " by the template thread" : "") +
             ", starts in " + ns_.show(kNet, net);
    }
    if (const auto* e = ev.as<trace::GExit>(); e != nullptr && e->locked)
      return g(e->g) + " exits while locked to " + m(e->m) + ": " +
             (e->fate == trace::GExitFate::Pool    ? "the lock is dropped and the thread returns to the pool"
              : e->fate == trace::GExitFate::Wedge ? "M0 cannot exit, it will be wedged"
                                                   : "the thread exits with it");
    if (const auto* e = ev.as<trace::MExit>()) return "thread " + m(e->m) + " (tid " + std::to_string(e->tid) + ") exits";
    if (const auto* e = ev.as<trace::Wedge>())
      return "m0 (tid " + std::to_string(e->tid) + ") is the main thread and cannot exit: it parks forever";
    if (const auto* e = ev.as<trace::StrictUnlockKill>())
      return "strict-unlock: " + m(e->m) + " (tid " + std::to_string(e->tid) +
             ") changed namespace while locked, so it is retired; " + g(e->g) + " continues on another thread";
    if (const auto* e = ev.as<trace::UnlockSkipped>())
      return "restore-or-die: the namespace restore failed, so UnlockOSThread is skipped and " + g(e->g) +
             " stays pinned to " + m(e->m);
    if (ev.is<trace::Timers>()) return "time passes: " + std::to_string(ev.as<trace::Timers>()->now_ms) + " ms";
    if (!verbose) return {};
    if (const auto* e = ev.as<trace::StartLockedM>())
      return "startlockedm: " + m(e->by) + " hands P" + std::to_string(e->p) + " to locked " + m(e->m) + " for " + g(e->g);
    if (const auto* e = ev.as<trace::HandoffP>()) return "handoffp: " + m(e->m) + " gives up P" + std::to_string(e->p);
    if (const auto* e = ev.as<trace::StopLockedM>()) return "stoplockedm: " + m(e->m) + " waits for its locked " + g(e->g);
    if (const auto* e = ev.as<trace::StartM>())
      return "startm: " + m(e->by) + " wakes " + m(e->m) + " with P" + std::to_string(e->p);
    if (const auto* e = ev.as<trace::Park>()) return g(e->g) + " parks: " + names_.wait(*e);
    if (const auto* e = ev.as<trace::Execute>()) return m(e->m) + " runs " + g(e->g);
    if (const auto* e = ev.as<trace::Choice>()) {
      if (e->chosen >= ev.options.size()) return "choice " + std::string(trace::choice_kind_name(e->kind));
      return "choice " + std::string(trace::choice_kind_name(e->kind)) + ": " + names_.option(ev.options[e->chosen]);
    }
    return {};
  }

  const runner::RunReport& r_;
  const NsNames& ns_;
  const TraceNames& names_;
};

void story_verdicts(std::ostringstream& os, const RunReport& r, const Prose& prose, bool details) {
  if (r.analysis.verdicts.empty()) {
    os << "\nVerdicts: none — no thread left origin where another goroutine could see it.\n";
    return;
  }
  os << "\nVerdicts (what leaked; the numbered lines trace each one back, oldest first):\n";
  const auto chain = [&](const std::vector<verdict::ProvStep>& prov, const char* indent) {
    int i = 1;
    for (const auto& p : prov) os << indent << i++ << ". " << prose.step(p) << "\n";
  };
  for (const auto& v : r.analysis.verdicts) {
    os << "  " << verdict::verdict_name(v.kind) << ": " << prose.summary(v);
    const bool several = v.goroutines.size() > 1;
    if (several)
      os << " (" << v.occurrences << " times, by " << v.goroutines.size() << " goroutines: " << Prose::goroutines(v)
         << (details ? ")" : "; -v: each one's provenance)");
    else if (v.occurrences > 1)
      os << " (" << v.occurrences << " times)";
    os << "\n";
    if (!several || !details) {
      chain(v.provenance, "      ");
      continue;
    }
    for (const auto& share : v.goroutines) {  // the first is the verdict's own
      os << "    g" << share.g << (share.count > 1 ? " (" + std::to_string(share.count) + " times)" : std::string()) << ":\n";
      chain(share.provenance, "      ");
    }
  }
}

void story_threads(std::ostringstream& os, const RunReport& r, const NsNames& names) {
  os << "\nThreads at the end:\n  " << pad("M", 5) << pad("tid", 12) << pad("role", 14) << pad("state", 8)
     << "namespace\n";
  for (const auto& t : r.analysis.threads) {
    const auto net = static_cast<trace::KindIndex>(os::index(os::StateKind::Net));
    os << "  " << pad("m" + std::to_string(t.m), 5) << pad("tid " + std::to_string(t.tid), 12)
       << pad(trace::role_name(t.role), 14) << pad(verdict::thread_state_name(t.end), 8) << names.show(net, t.state.value[net]);
    for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
      if (k != net && t.state.has(k)) os << "  " << names.show(k, t.state.value[k]);
    if (t.cloned_from >= 0)
      os << "   (cloned from m" << t.cloned_from << (t.via == trace::CloneVia::Template ? " by the template thread" : "") << ")";
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
  const TraceNames tnames(r);
  const Prose prose(r, names, tnames, true);
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
     << names.show(static_cast<trace::KindIndex>(os::index(os::StateKind::Net)), r.analysis.origin.value[os::index(os::StateKind::Net)]) << ".\n\n";
  Story(r, names, tnames).steps(os, opt);
  story_verdicts(os, r, prose, opt.verdict_details);
  story_threads(os, r, names);
  for (const auto& d : r.analysis.disagreements)
    os << "\nHARNESS BUG (kernel vs runtime): " << verdict::describe(d) << "\n";
  os << "\n" << summary_line(r) << "\n";
  if (r.judgement.outcome == verdict::Outcome::Pass && r.judgement.has_expectation)
    os << "  (PASS: the run showed the verdicts this scenario expects under " << r.policy
       << ", and none of those it rules out)\n";
  if (r.judgement.outcome != verdict::Outcome::Pass && !r.reproduce.empty())
    os << "  reproduce: " << r.reproduce << "\n";
  return os.str();
}

}  // namespace nsleak::reports
