#include "reports/html/timeline_svg.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "harness/os/fault_injection.hpp"
#include "harness/trace/names.hpp"
#include "reports/html/markup.hpp"
#include "reports/html/timeline_layout.hpp"
#include "reports/go_call.hpp"
#include "reports/prose.hpp"

namespace nsleak::reports::timeline {

using runner::RunReport;
using scenario::OpKind;

namespace {

std::string step_desc(const Layout& L, std::size_t i) {
  const trace::Event& ev = L.step(i);
  return "step " + std::to_string(L.col(i) + 1) + ", seq " + std::to_string(ev.seq) + ", " + std::to_string(ev.us) +
         " \xC2\xB5s after the sandbox started";
}

void text(std::ostringstream& os, int x, int y, const char* cls, const std::string& s) {
  os << "<text x=\"" << x << "\" y=\"" << y << "\" class=\"" << cls << "\">" << esc(s) << "</text>";
}

// Box labels must be read whole ("runtime.UnlockOSThread()" in a 55-px box): a line longer
// than its room is squeezed to fit (SVG textLength), down to kMinSqueeze of its natural width;
// past that its argument list is elided ("os.Open(…)"), and only then is it clipped. The
// tooltip has the statement in full.
constexpr double kCharW = 5.1;  // an average character of the 9-px op-name text
constexpr double kBoldCharW = 6.0;  // of the 10.5-px bold goroutine line
constexpr double kMinSqueeze = 0.55;

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Up to kMinSqueeze, a line fits by squeezing; the characters that fit in `room`.
std::size_t squeezable(int room, double char_w) { return static_cast<std::size_t>(room / (char_w * kMinSqueeze)); }

// A label squeezed into `room` when it is longer (SVG textLength), whatever it takes: lane
// labels are short, and a squeezed one is still whole.
void squeezed(std::ostringstream& os, int x, int y, int room, const char* cls, double char_w, const std::string& s) {
  os << "<text x=\"" << x << "\" y=\"" << y << "\" class=\"" << cls << "\"";
  if (static_cast<double>(code_points(s)) * char_w > room)
    os << " textLength=\"" << room << "\" lengthAdjust=\"spacingAndGlyphs\"";
  os << ">" << esc(s) << "</text>";
}

void fitted_text(std::ostringstream& os, int x, int y, int room, const char* cls, const std::string& s) {
  const std::size_t max = squeezable(room, kCharW);
  std::string t = s;
  if (code_points(t) > max)  // "os.Open("/proc/thread-self/ns/uts")" -> "os.Open(…)"
    if (const auto open = t.find('('); open != std::string::npos && t.back() == ')' && open + 2 < t.size())
      t = t.substr(0, open + 1) + "\xE2\x80\xA6)";
  squeezed(os, x, y, room, cls, kCharW, clip(t, max));
}

// The Go statement an op box shows, on at most two lines: "mainNs :=" over "netns.Get()"; a
// call too long for one line breaks where a reader would ("runtime." / "UnlockOSThread()",
// "goroutine" / "WithNetns()"), punctuation preferred over a camelCase boundary.
std::vector<std::string> call_lines(const std::string& call, int room);

std::vector<std::string> box_lines(const scenario::Op& o, int room) {
  const std::string call = go_call(o);
  if ((o.kind == OpKind::Get || o.kind == OpKind::Unshare) && !o.name.empty()) return {o.name + " :=", call};
  return call_lines(call, room);
}

// A call on one line, or on two where a reader would break it.
std::vector<std::string> call_lines(const std::string& call, int room) {
  if (static_cast<double>(code_points(call)) * kCharW <= room || call.size() < 4) return {call};
  std::size_t best = 0, best_cost = call.size();
  for (std::size_t i = 1; i + 1 < call.size(); ++i) {
    const char prev = call[i - 1], c = call[i];
    const bool punct = prev == '.' || prev == ' ' || c == '(';
    const bool camel = std::islower(static_cast<unsigned char>(prev)) && std::isupper(static_cast<unsigned char>(c));
    if (!punct && !camel) continue;
    const std::size_t cost = std::max(i, call.size() - i) + (punct ? 0 : 3);
    if (cost < best_cost) best = i, best_cost = cost;
  }
  if (best == 0) return {call};
  return {call.substr(0, best), call.substr(best)};
}

void rect(std::ostringstream& os, int x, int y, int w, int h, const std::string& fill, const char* extra = "") {
  os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << std::max(w, 0) << "\" height=\"" << h
     << "\" fill=\"" << fill << "\"" << extra << "/>";
}

void svg_axis(std::ostringstream& os, const Layout& L) {
  os << "<g class=\"axis\">";
  for (std::size_t c = 0; c <= L.columns(); ++c) {
    if ((c + 1) % 5 == 0 || c == L.columns())  // a faint guide every fifth step
      os << "<line x1=\"" << L.cx(c) << "\" y1=\"" << kAxisH - 4 << "\" x2=\"" << L.cx(c) << "\" y2=\""
         << L.height() << "\" class=\"grid\"/>";
    text(os, L.cx(c), 18, "tick", c == L.columns() ? "end" : std::to_string(c + 1));
  }
  os << "</g>\n";
}

// Segments of a thread's namespaces over time, from the kernel snapshots: [x, value per kind].
struct Segment {
  int x;
  verdict::StateSet state;
};

std::vector<Segment> segments(const RunView& v, const Layout& L, trace::MId m, const Lane& lane) {
  std::vector<Segment> out;
  verdict::StateSet now;
  for (const auto& ev : v.r.record.events) {
    for (const auto& row : ev.tasks) {
      if (row.m != m) continue;
      bool changed = false;
      for (const auto k : L.kinds()) {
        if (!row.has(k)) continue;  // not read in this snapshot: keep the last value
        changed = changed || !now.has(k) || now.value[k] != row.state[k];
        now.mask |= 1u << k;
        now.value[k] = row.state[k];
      }
      if (!changed) continue;
      // A change is drawn from the left edge of the column of the event that saw it (the
      // unshare's own box is already in the new namespace), or of the next step for events
      // without a column of their own.
      int x = L.x(L.col_at(ev.seq));
      if (const auto* nm = ev.as<trace::NewM>(); nm != nullptr && nm->m == m) x = lane.start_x;
      x = std::max(x, lane.start_x);
      if (!out.empty() && out.back().x == x) out.pop_back();
      out.push_back({x, now});
    }
  }
  return out;
}

// The lane's label, in the sticky column: "m3 tid 22810 (pool)" over "alive · cloned from m0
// (direct)", squeezed (never cut) into a narrow column, with the stripe names.
void svg_lane_head(std::ostringstream& os, const Layout& L, const Lane& l, std::size_t index) {
  const auto& t = *l.thread;
  const std::string role = trace::role_name(t.role), via = trace::via_name(t.via);
  os << "<g class=\"lane-head\" data-m=\"" << t.m << "\">";
  rect(os, 0, l.top, L.label_w(), l.height, index % 2 ? "#f6f6f6" : "#ffffff");
  const int room = L.label_w() - (L.stripes() > 1 ? 30 : 12);
  std::string sub = verdict::thread_state_name(t.end);
  if (L.observed()) {  // a real program's thread: its tid is all there is (no M, no role)
    squeezed(os, 8, l.top + 18, room, "lane-label", 7.2, "tid " + std::to_string(t.tid));
    if (t.cloned_from >= 0) sub += " \xC2\xB7 cloned from tid " + std::to_string(L.lane(t.cloned_from)->thread->tid);
    else if (t.m == 0) sub += " \xC2\xB7 the main thread";
  } else {
    squeezed(os, 8, l.top + 18, room, "lane-label", 7.2,
             "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" + role + ")");
    if (t.cloned_from >= 0) sub += " \xC2\xB7 cloned from m" + std::to_string(t.cloned_from) + " (" + via + ")";
    else if (t.m == 0) sub += " \xC2\xB7 the main thread";
  }
  squeezed(os, 8, l.top + 33, room, "lane-sub", 5.6, sub);
  if (L.stripes() > 1)  // several stripes, all grey until something moves: say which is which
    for (int i = 0; i < L.stripes(); ++i)
      text(os, L.label_w() - 6, L.stripe_y(l, i) + kStripeH - 1, "stripe-label", TraceNames::kind(L.kinds()[i]));
  os << "</g>\n";
}

void svg_lane(std::ostringstream& os, const RunView& v, const Layout& L, const Namespaces& ns, const Lane& l,
              std::size_t index, std::size_t run) {
  const auto& t = *l.thread;
  const std::string role = trace::role_name(t.role), state = verdict::thread_state_name(t.end), via = trace::via_name(t.via);
  os << "<g class=\"lane\" data-m=\"" << t.m << "\" data-tid=\"" << t.tid << "\" data-role=\"" << esc(role)
     << "\" data-state=\"" << esc(state) << "\">";
  const Lane* from = t.cloned_from >= 0 ? L.lane(t.cloned_from) : nullptr;
  os << "<title>"
     << esc(v.thread(t.m, t.tid) + (L.observed() ? "" : ", " + role) + ", " + state + " at the end, in " + v.all(t.state) +
            (from == nullptr ? ""
             : L.observed()  ? "; cloned from " + v.thread(t.cloned_from, from->thread->tid)
                             : "; cloned from m" + std::to_string(t.cloned_from) + " (" + via + ")"))
     << "</title>";
  rect(os, 0, l.top, L.width(), l.height, index % 2 ? "#f6f6f6" : "#ffffff");
  const auto segs = segments(v, L, static_cast<trace::MId>(t.m), l);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const int end = i + 1 < segs.size() ? segs[i + 1].x : l.end_x;
    const auto& st = segs[i].state;
    // A faint wash (the first kind's) over the whole lane body and a solid stripe per kind on top.
    rect(os, segs[i].x, L.stripe_y(l, 0), end - segs[i].x, L.verdict_y(l) - L.stripe_y(l, 0) - 2,
         ns.stroke(st.value[L.kinds().front()]), " opacity=\"0.13\"");
    for (int k = 0; k < L.stripes(); ++k)
      rect(os, segs[i].x, L.stripe_y(l, k), end - segs[i].x, kStripeH - 1, ns.stroke(st.value[L.kinds()[k]]),
           " class=\"stripe\"");
  }
  if (l.wedged_x >= 0)
    rect(os, l.wedged_x, L.stripe_y(l, 0), l.end_x - l.wedged_x, L.verdict_y(l) - L.stripe_y(l, 0) - 2,
         "url(#hatch-" + std::to_string(run) + ")");
  os << "</g>\n";
}

// Did this op see a namespace its goroutine did not believe it was in?
bool surprised(const trace::Op& e, const trace::Event& ev, const scenario::Op* o) {
  if (o == nullptr) return false;
  if (o->kind == OpKind::Expect) return !e.match;
  if (o->kind != OpKind::Get) return false;
  for (const auto& s : ev.states)
    if (s.now == e.value && s.belief.valid() && s.belief != e.value) return true;
  return false;
}

// What the op did, for its tooltip.
std::string op_detail(const RunView& v, const trace::Op& e, const trace::Event& ev, const scenario::Op* o) {
  if (o == nullptr) return "?";
  const std::string op = scenario::op_name(o->kind);
  switch (o->kind) {
    case OpKind::Get:
      return o->name + " = " + v.ns.show(e.kind, e.value) +
             (surprised(e, ev, o) ? ", but the goroutine believed otherwise" : "");
    case OpKind::Unshare:
    case OpKind::Setns:
      if (e.result == trace::OpResult::Injected)
        return op + " FAILED (injected): " + os::errno_name(e.err) + "; the thread did not move";
      return op + (o->kind == OpKind::Setns ? " to " + o->name : "") + ": the thread moves to " + v.ns.show(e.kind, e.value);
    case OpKind::Go:
      return "go " + o->name + " -> g" + std::to_string(e.child) +
             (o->inherit ? " (expected to inherit this namespace)" : "");
    case OpKind::Expect:
      return "expect " + o->name + ": " + (e.match ? std::string("ok") : "MISMATCH, the thread is in " + v.ns.show(e.kind, e.observed));
    case OpKind::Exec: return "exec: the child process starts in " + v.ns.show(e.kind, e.value);
    case OpKind::Call: return "call " + o->name;
    case OpKind::Lock:
    case OpKind::Unlock:
      return op + ", lock count " + std::to_string(e.lockedExt) +
             (e.released ? ": the thread is free for any goroutine" : "");
    case OpKind::Send:
    case OpKind::Recv:
    case OpKind::Close:
    case OpKind::WgAdd:
    case OpKind::WgDone:
    case OpKind::WgWait: return op + " " + o->name;
    default: return op;
  }
}

void svg_op(std::ostringstream& os, const RunView& v, const Layout& L, const Namespaces& ns, std::size_t i) {
  const trace::Event& ev = L.step(i);
  const std::size_t col = L.col(i);
  const trace::Op& e = *ev.as<trace::Op>();
  const scenario::Op* o = v.names.op(e.op);
  const Lane* l = L.lane(e.m);
  const verdict::StateSet now = state_of(ev.states, false);
  // An observed program's box is a notified call: no goroutine, the caller's tid instead, the
  // call as strace prints it (the op's name).
  const bool observed = v.r.observed.has_value();
  const std::string g = observed ? "tid " + std::to_string(e.tid) : "g" + std::to_string(e.g);
  const std::string opname = v.names.op_name(e.op), fn = observed ? "" : v.names.fn(e.g);
  os << "<g class=\"op\" data-seq=\"" << ev.seq << "\" data-m=\"" << e.m << "\" data-g=\"" << e.g
     << "\" data-op=\"" << esc(opname) << "\">";
  os << "<title>";
  if (observed)
    os << esc(g + ": " + (o != nullptr ? o->name : opname) + "\n" + v.all(now) + "\n" + step_desc(L, i));
  else
    os << esc(g + " " + fn + ": " + (o != nullptr ? go_statement(*o) + "  // " : "") + opname + " at " + v.names.label(e.op) + " (line " +
              std::to_string(v.names.line(e.op)) + ")\n" + mdesc(e.m, e.tid) +
              (e.locked ? ", locked to this goroutine" : "") + "\n" + v.all(now) + "\n" + op_detail(v, e, ev, o) +
              "\n" + step_desc(L, i));
  os << "</title>";
  if (l == nullptr) {  // no lane to draw on; the group (and its tooltip) still counts the op
    os << "</g>\n";
    return;
  }
  const int x = L.x(col) + 4, y = L.box_y(*l), w = L.col_w() - 8;
  // One horizontal band per observed kind, top to bottom in table order.
  const int n = L.stripes();
  for (int i = 0; i < n; ++i)
    rect(os, x, y + kBoxH * i / n, w, kBoxH * (i + 1) / n - kBoxH * i / n, ns.fill(now.value[L.kinds()[i]]));
  const char* outline = surprised(e, ev, o) ? "box surprised" : e.locked ? "box locked" : "box";
  os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << kBoxH << "\" rx=\"3\" class=\""
     << outline << "\"/>";
  // "g2 child": squeezed like the call below it; past that the function name is clipped.
  const int room = w - 6;
  const std::size_t fn_max = squeezable(room, kBoldCharW) - std::min(g.size() + 1, squeezable(room, kBoldCharW) - 1);
  const std::string shown_fn = clip(fn, fn_max);
  os << "<text x=\"" << x + 3 << "\" y=\"" << y + 12 << "\" class=\"op-g\"";
  if (static_cast<double>(g.size() + 1 + code_points(shown_fn)) * kBoldCharW > room)
    os << " textLength=\"" << room << "\" lengthAdjust=\"spacingAndGlyphs\"";
  os << ">" << esc(g) << "<tspan class=\"op-fn\"> " << esc(shown_fn) << "</tspan></text>";
  const std::vector<std::string> lines = o == nullptr ? std::vector<std::string>{opname}
                                        : observed     ? call_lines(o->name, room)
                                                       : box_lines(*o, room);
  for (std::size_t k = 0; k < lines.size(); ++k)
    fitted_text(os, x + 3, y + 24 + static_cast<int>(k) * 10, room, "op-name", lines[k]);
  os << "</g>\n";
}

void svg_newm(std::ostringstream& os, const RunView& v, const Layout& L, const Namespaces&, std::size_t i) {
  const trace::Event& ev = L.step(i);
  const std::size_t col = L.col(i);
  const trace::NewM& e = *ev.as<trace::NewM>();
  const Lane* to = L.lane(e.m);
  const Lane* from = L.lane(e.from_m);
  const std::string via = trace::via_name(e.via);
  std::string start;
  for (const auto& row : ev.tasks)
    if (row.m == e.m) start = v.all(state_of(row));
  os << "<g class=\"newm\" data-seq=\"" << ev.seq << "\" data-m=\"" << e.m << "\" data-from=\"" << e.from_m
     << "\" data-via=\"" << esc(via) << "\">";
  os << "<title>"
     << esc((L.observed() ? "clone: " + v.thread(e.from_m, e.from_tid) + " creates " + v.thread(e.m, e.tid)
                          : "clone (" + via + "): " + mdesc(e.from_m, e.from_tid) + " creates " + mdesc(e.m, e.tid) +
                                ", " + trace::role_name(e.role) +
                                (e.via == trace::CloneVia::Template ? ", by the template thread" : "")) +
            "; it starts in " + (start.empty() ? "?" : start) + "\n" + step_desc(L, i))
     << "</title>";
  if (to == nullptr) {
    os << "</g>\n";
    return;
  }
  const int x = L.x(col) + kArrowDx;
  const int y1 = from ? L.box_mid(*from) : kAxisH;
  const bool down = y1 <= to->top;
  const int y2 = down ? L.stripe_y(*to, 0) : L.box_y(*to) + kBoxH;
  const int tip = down ? -7 : 7;
  os << "<line x1=\"" << x << "\" y1=\"" << y1 << "\" x2=\"" << x << "\" y2=\"" << y2 + tip
     << "\" class=\"arrow " << (e.via == trace::CloneVia::Template ? "via-template" : "via-direct") << "\"/>";
  os << "<polygon points=\"" << x - 5 << "," << y2 + tip << " " << x + 5 << "," << y2 + tip << " " << x << "," << y2
     << "\" class=\"arrowhead\"/>";
  os << "<text x=\"" << x + 5 << "\" y=\"" << L.box_y(*to) + 12 << "\" class=\"arrow-label\">clone"
     << "<tspan x=\"" << x + 5 << "\" dy=\"12\">(" << esc(via) << ")</tspan></text>";
  os << "</g>\n";
}

// mexit and wedge end a lane; strict-unlock-kill, a locked gexit and a skipped unlock mark it.
void svg_thread_mark(std::ostringstream& os, const Layout& L, std::size_t i) {
  const trace::Event& ev = L.step(i);
  const std::size_t col = L.col(i);
  const std::string k = trace::event_name(ev.body);
  const Lane* l = L.lane(m_of(ev));
  const std::string m = mdesc(m_of(ev), tid_of(ev));
  std::string title, line1, line2;
  const bool lane_end = ev.is<trace::MExit>() || ev.is<trace::Wedge>();
  if (ev.is<trace::MExit>()) title = m + " exits", line1 = "thread", line2 = "exits";
  if (ev.is<trace::Wedge>())
    title = m + " is M0 and cannot exit: it parks forever, still in its namespace", line1 = "M0", line2 = "wedged";
  if (ev.is<trace::StrictUnlockKill>())
    title = "strict-unlock retires " + m + ": it changed namespace while locked", line1 = "retired", line2 = "";
  if (ev.is<trace::UnlockSkipped>())
    title = "restore-or-die: the restore failed, UnlockOSThread is skipped on " + m, line1 = "unlock", line2 = "skipped";
  if (const auto* g = ev.as<trace::GExit>()) {
    title = "g" + std::to_string(g->g) + " exits locked to " + m + ": " +
            (g->fate == trace::GExitFate::Pool    ? "the lock is dropped and the thread returns to the pool"
             : g->fate == trace::GExitFate::Wedge ? "M0 cannot exit, it will be wedged"
                                                  : "the thread exits with it");
    line1 = "g" + std::to_string(g->g) + " exits", line2 = "locked";
  }
  os << "<g class=\"" << (lane_end ? "lane-end" : "mark") << "\" data-ev=\"" << esc(k) << "\" data-seq=\"" << ev.seq
     << "\" data-m=\"" << m_of(ev) << "\"><title>" << esc(title + "\n" + step_desc(L, i)) << "</title>";
  if (l != nullptr) {
    const int x = L.cx(col), top = L.stripe_y(*l, 0), bottom = L.box_y(*l) + kBoxH;
    if (lane_end)
      rect(os, x - 2, top, 4, bottom - top, ev.is<trace::Wedge>() ? "#8b1a1a" : "#333333");
    else
      os << "<circle cx=\"" << x << "\" cy=\"" << L.box_mid(*l) << "\" r=\"4\" class=\"dot\"/>";
    text(os, x + 5, L.box_y(*l) + 12, "mark-label", line1);
    text(os, x + 5, L.box_y(*l) + 24, "mark-label", line2);
  }
  os << "</g>\n";
}

// exit and fault concern the whole process: a line across every lane.
void svg_process_mark(std::ostringstream& os, const Layout& L, std::size_t i) {
  const trace::Event& ev = L.step(i);
  const std::size_t col = L.col(i);
  const auto* exit = ev.as<trace::Exit>();
  const bool fault = exit == nullptr;
  const std::string title = fault ? "fault: " + ev.text
                                  : "main returned; the process exits with code " + std::to_string(exit->code);
  os << "<g class=\"process-mark\" data-ev=\"" << (fault ? "fault" : "exit") << "\" data-seq=\"" << ev.seq
     << "\"><title>" << esc(title + "\n" + step_desc(L, i)) << "</title>";
  os << "<line x1=\"" << L.cx(col) << "\" y1=\"" << kAxisH - 2 << "\" x2=\"" << L.cx(col) << "\" y2=\"" << L.height()
     << "\" class=\"" << (fault ? "fault-line" : "exit-line") << "\"/>";
  text(os, L.cx(col) + 4, kAxisH - 1, fault ? "fault-label" : "exit-label", fault ? "fault" : "exit");
  os << "</g>\n";
}

// A collapsed group: the quiet steps of one stretch on one lane, as one box saying how many
// ops of how many goroutines it holds (the tooltip counts them by Go call).
void svg_fold(std::ostringstream& os, const RunView& v, const Layout& L, const Namespaces& ns, std::size_t col,
              trace::MId m, const std::vector<std::size_t>& steps) {
  std::set<trace::GoId> gs;
  std::map<std::string, int> calls;
  verdict::StateSet now;
  std::size_t surprises = 0;  // ops that saw a namespace their goroutine did not believe in
  for (const auto i : steps) {
    const trace::Event& ev = L.step(i);
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr) continue;
    gs.insert(op->g);
    const scenario::Op* o = v.names.op(op->op);
    ++calls[o != nullptr ? go_call(*o) : v.names.op_name(op->op)];
    surprises += surprised(*op, ev, o);
    if (now.mask == 0) now = state_of(ev.states, false);
  }
  std::string detail;
  if (surprises > 0)
    detail += "\n" + counted(surprises, "op") + " saw a namespace the goroutine did not believe it was in, as the "
              "first such op on this thread did";
  for (const auto& [call, n] : calls) detail += "\n" + std::to_string(n) + " \xC3\x97 " + call;
  const std::string what = counted(steps.size(), "op") + " of " + counted(gs.size(), "goroutine");
  os << "<g class=\"collapsed\" data-m=\"" << m << "\" data-ops=\"" << steps.size() << "\" data-goroutines=\""
     << gs.size() << "\" data-surprised=\"" << surprises << "\"><title>" << esc(what + " on m" + std::to_string(m) + ", steps " +
                                        std::to_string(L.step(steps.front()).seq) + "-" +
                                        std::to_string(L.step(steps.back()).seq) + " (seq), folded: nothing in them "
                                        "moves a thread or raises a verdict not already drawn" + detail)
     << "</title>";
  if (const Lane* l = L.lane(m)) {
    const int x = L.x(col) + 4, y = L.box_y(*l), w = L.col_w() - 8;
    const int n = L.stripes();
    for (int k = 0; k < n; ++k)
      rect(os, x, y + kBoxH * k / n, w, kBoxH * (k + 1) / n - kBoxH * k / n, ns.fill(now.value[L.kinds()[k]]));
    os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << kBoxH
       << "\" rx=\"3\" class=\"box fold" << (surprises > 0 ? " surprised" : "") << "\"/>";
    fitted_text(os, x + 4, y + 14, w - 8, "op-g", counted(steps.size(), "op"));
    fitted_text(os, x + 4, y + 28, w - 8, "op-name", counted(gs.size(), "goroutine"));
  }
  os << "</g>\n";
}

// The article's point: `go child()` does not carry its thread (or its lock, or its namespace)
// to the child. An arrow from each `go` to the child's first step shows where the child really ran.
void svg_spawns(std::ostringstream& os, const RunView& v, const Layout& L, std::size_t run) {
  std::map<trace::GoId, std::size_t> first;  // goroutine -> its first op step
  for (std::size_t i = 0; i < L.steps(); ++i)
    if (const auto* op = L.step(i).as<trace::Op>()) first.emplace(op->g, i);
  for (std::size_t i = 0; i < L.steps(); ++i) {
    const auto* op = L.step(i).as<trace::Op>();
    if (op == nullptr || op->child == trace::kNoG || L.quiet(i)) continue;
    const auto it = first.find(op->child);
    if (it == first.end() || L.quiet(it->second)) continue;  // the child never ran an op, or folded
    const auto& child = *L.step(it->second).as<trace::Op>();
    const Lane* from = L.lane(op->m);
    const Lane* to = L.lane(child.m);
    if (from == nullptr || to == nullptr) continue;
    const int x1 = L.x(L.col(i)) + L.col_w() - 6, y1 = L.box_y(*from) + kBoxH - 4;
    const int x2 = L.x(L.col(it->second)) + 5, y2 = to == from ? L.box_y(*to) + kBoxH - 4 : L.box_y(*to) + 3;
    const int bend = std::max(L.col_w() / 2, (x2 - x1) / 2);
    os << "<g class=\"spawn\" data-g=\"" << op->g << "\" data-child=\"" << op->child << "\" data-from-m=\""
       << op->m << "\" data-to-m=\"" << child.m << "\"><title>"
       << esc("g" + std::to_string(op->g) + " runs go " + v.names.fn(op->child) + "() on " + mdesc(op->m, op->tid) +
              "; g" + std::to_string(op->child) + " first runs on " + mdesc(child.m, child.tid) +
              (child.m == op->m ? "" : ": another thread, which the spawner's lock and namespace do not reach"))
       << "</title><path d=\"M" << x1 << "," << y1 << " C" << x1 + bend << "," << (to == from ? y1 + 24 : y1) << " "
       << x2 - bend << "," << (to == from ? y2 + 24 : y2) << " " << x2 << "," << y2
       << "\" class=\"spawn-arrow\" marker-end=\"url(#spawn-head-" << run << ")\"/></g>\n";
  }
}

void svg_verdicts(std::ostringstream& os, const RunView& view, const Layout& L) {
  const auto& r = view.r;
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
    if (!view.shown(i)) continue;  // listed, and marked, with the first of its group
    const Lane* l = L.lane(v.m);
    const std::string name = verdict::verdict_name(v.kind);
    const std::size_t col = L.col_at(v.seq);
    os << "<g class=\"verdict\" data-kind=\"" << name << "\" data-seq=\"" << v.seq << "\" data-m=\"" << v.m << "\">";
    os << "<title>" << esc("V" + std::to_string(i + 1) + " " + name + ": " + view.summaries[i]) << "</title>";
    if (l != nullptr) {
      const int x = L.cx(col), y = L.verdict_y(*l) + 10 + L.verdict_row(i) * kRowH;
      os << "<line x1=\"" << x << "\" y1=\"" << L.box_y(*l) + kBoxH - 2 << "\" x2=\"" << x << "\" y2=\"" << y - 3
         << "\" class=\"verdict-pin\"/>";
      os << "<polygon points=\"" << x << "," << y - 9 << " " << x + 4 << "," << y - 4 << " " << x << "," << y + 1 << " "
         << x - 4 << "," << y - 4 << "\" class=\"verdict-mark\"/>";
      if (L.verdict_flipped(i))
        text(os, x - 7, y, "verdict-label flipped", "V" + std::to_string(i + 1) + " " + name);
      else
        text(os, x + 7, y, "verdict-label", "V" + std::to_string(i + 1) + " " + name);
    }
    os << "</g>\n";
  }
}
// A pinned decision: a dashed line before the column it leads to, the deciding thread's lane
// outlined there, the label at the top.
void svg_marks(std::ostringstream& os, const RunView& view, const Layout& L) {
  for (const auto& m : view.marks) {
    const int x = L.x(L.col_at(m.seq)) + 1;
    os << "<g class=\"mark\" data-seq=\"" << m.seq << "\" data-m=\"" << m.m << "\"><title>" << esc(m.label + ": " + m.text)
       << "</title><line x1=\"" << x << "\" y1=\"11\" x2=\"" << x << "\" y2=\"" << L.height()
       << "\" class=\"flip-line\"/>";
    if (const Lane* l = L.lane(m.m))
      os << "<rect x=\"" << x - 4 << "\" y=\"" << L.box_y(*l) - 2 << "\" width=\"8\" height=\"" << kBoxH + 4
         << "\" class=\"flip-lane\"/>";
    text(os, x + 3, 9, "flip-label", m.label);  // above the step numbers
    os << "</g>\n";
  }
}
}  // namespace

void svg_timeline(std::ostringstream& os, const RunView& v, const Namespaces& ns, std::size_t run, Fit fit) {
  const auto& r = v.r;
  const Layout L(v, fit);
  // A timeline wider than its room scrolls; a checkbox (no script: CSS :checked) also fits the
  // whole run into the window, squeezed sideways, as an overview: colours, arrows and verdict
  // pins without box labels (their tooltips stay).
  const bool scrolls = L.width() > fit.width;
  os << "<div class=\"run-timeline\">";
  if (scrolls) os << "<input type=\"checkbox\" class=\"fit-toggle\" id=\"fit-" << run << "\"/>";
  os << "<div class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lane-heads\" width=\""
     << L.label_w() << "\" height=\"" << L.height() << "\">\n";
  text(os, 8, 18, "axis-caption", "step \xE2\x86\x92");
  for (std::size_t i = 0; i < L.lanes().size(); ++i) svg_lane_head(os, L, L.lanes()[i], i);
  os << "<line x1=\"" << L.label_w() - 0.5 << "\" y1=\"0\" x2=\"" << L.label_w() - 0.5 << "\" y2=\"" << L.height()
     << "\" class=\"lane-heads-edge\"/></svg>\n";
  // The lanes start where the label column ends: their own first label_w px (the label column's
  // place in the layout's coordinates) are outside the viewBox.
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lanes\" width=\"" << L.width() - L.label_w()
     << "\" height=\"" << L.height() << "\" viewBox=\"" << L.label_w() << " 0 " << L.width() - L.label_w() << " "
     << L.height() << "\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\""
     << esc("timeline of " + r.scenario + " under " + r.policy) << "\">\n";
  // Ids are page-wide: one hatch pattern per run.
  os << "<defs><pattern id=\"hatch-" << run << "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
     << "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\" fill-opacity=\"0.35\"/>"
     << "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#8b1a1a\" stroke-width=\"2\" stroke-opacity=\"0.45\"/>"
     << "</pattern><marker id=\"spawn-head-" << run << "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
     << "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
     << "class=\"spawn-head\"/></marker></defs>\n";
  for (std::size_t i = 0; i < L.lanes().size(); ++i) svg_lane(os, v, L, ns, L.lanes()[i], i, run);
  svg_axis(os, L);
  std::map<std::pair<std::size_t, trace::MId>, std::vector<std::size_t>> folds;  // (column, M) -> steps
  for (std::size_t i = 0; i < L.steps(); ++i) {
    const trace::Event& ev = L.step(i);
    if (L.quiet(i)) folds[{L.col(i), m_of(ev)}].push_back(i);
    else if (ev.is<trace::Op>()) svg_op(os, v, L, ns, i);
    else if (ev.is<trace::NewM>()) svg_newm(os, v, L, ns, i);
    else if (ev.is<trace::Exit>() || ev.is<trace::Fault>()) svg_process_mark(os, L, i);
    else if (is_thread_event(ev) || ev.is<trace::GExit>()) svg_thread_mark(os, L, i);
  }
  for (const auto& [key, steps] : folds) svg_fold(os, v, L, ns, key.first, key.second, steps);
  svg_spawns(os, v, L, run);
  svg_verdicts(os, v, L);
  svg_marks(os, v, L);
  os << "</svg></div>";
  if (scrolls)
    os << "<label class=\"fit-label\" for=\"fit-" << run << "\"><span class=\"fit-off\">" << L.width() - L.label_w()
       << " px wide: scroll it sideways, or fit the whole run to the window (an overview without box labels)</span>"
       << "<span class=\"fit-on\">back to full size</span></label>";
  os << "</div>\n";
}

}  // namespace nsleak::reports::timeline
