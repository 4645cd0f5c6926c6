#include "reports/html/timeline_svg.hpp"

#include <algorithm>
#include <vector>

#include "reports/html/event_fields.hpp"
#include "reports/html/markup.hpp"
#include "reports/html/timeline_layout.hpp"

namespace nsleak::reports::timeline {

using runner::RunReport;

std::string mdesc(long m, long tid) { return "m" + std::to_string(m) + " (tid " + std::to_string(tid) + ")"; }

namespace {

std::string step_desc(const Layout& L, std::size_t col) {
  const json& ev = L.step(col);
  return "step " + std::to_string(col + 1) + ", seq " + std::to_string(num(ev, "seq")) + ", " +
         std::to_string(num(ev, "us", 0)) + " \xC2\xB5s after the sandbox started";
}

void text(std::ostringstream& os, int x, int y, const char* cls, const std::string& s) {
  os << "<text x=\"" << x << "\" y=\"" << y << "\" class=\"" << cls << "\">" << esc(s) << "</text>";
}

void rect(std::ostringstream& os, int x, int y, int w, int h, const std::string& fill, const char* extra = "") {
  os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << std::max(w, 0) << "\" height=\"" << h
     << "\" fill=\"" << fill << "\"" << extra << "/>";
}

void svg_axis(std::ostringstream& os, const Layout& L) {
  os << "<g class=\"axis\">";
  text(os, 8, 18, "axis-caption", "step \xE2\x86\x92");
  for (std::size_t c = 0; c <= L.columns(); ++c) {
    if ((c + 1) % 5 == 0 || c == L.columns())  // a faint guide every fifth step
      os << "<line x1=\"" << L.cx(c) << "\" y1=\"" << kAxisH - 4 << "\" x2=\"" << L.cx(c) << "\" y2=\""
         << L.height() << "\" class=\"grid\"/>";
    text(os, L.cx(c), 18, "tick", c == L.columns() ? "end" : std::to_string(c + 1));
  }
  os << "</g>\n";
}

// Segments of a thread's namespace over time, from the kernel snapshots: [x, net, uts].
struct Segment {
  int x;
  std::string net, uts;
};

std::vector<Segment> segments(const RunView& v, const Layout& L, long m, const Lane& lane) {
  std::vector<Segment> out;
  std::string net, uts;
  for (const auto& ev : v.events) {
    for (const auto& row : field(ev, "tasks")) {
      if (num(row, "m") != m) continue;
      const std::string n = str(row, "net"), u = str(row, "uts");
      if (n == net && (u.empty() || u == uts)) continue;
      net = n;
      if (!u.empty()) uts = u;
      // A change is drawn from the left edge of the column of the event that saw it (the
      // unshare's own box is already in the new namespace), or of the next step for events
      // without a column of their own.
      int x = L.x(L.col_at(num(ev, "seq")));
      if (str(ev, "ev") == "newm" && num(ev, "m") == m) x = lane.start_x;
      x = std::max(x, lane.start_x);
      if (!out.empty() && out.back().x == x) out.pop_back();
      out.push_back({x, net, uts});
    }
  }
  return out;
}

void svg_lane(std::ostringstream& os, const RunView& v, const Layout& L, const Namespaces& ns, const Lane& l,
              std::size_t index, std::size_t run) {
  const auto& t0 = *l.thread;
  const auto& w = v.threads[static_cast<std::size_t>(l.thread - v.r.analysis.threads.data())];
  // The thread's facts in the words the page uses.
  const struct {
    std::int64_t m;
    pid_t tid;
    std::int64_t cloned_from;
    const std::string &role, &state, &ns, &uts, &via;
  } t{t0.m, t0.tid, t0.cloned_from, w.role, w.state, w.ns, w.uts, w.via};
  os << "<g class=\"lane\" data-m=\"" << t.m << "\" data-tid=\"" << t.tid << "\" data-role=\"" << esc(t.role)
     << "\" data-state=\"" << esc(t.state) << "\">";
  os << "<title>" << esc(mdesc(t.m, t.tid) + ", " + t.role + ", " + t.state + " at the end, in " + ns.show(t.ns) +
                         (t.uts.empty() ? "" : ", uts " + ns.show(t.uts)) +
                         (t.cloned_from >= 0 ? "; cloned from m" + std::to_string(t.cloned_from) + " (" + t.via + ")"
                                             : ""))
     << "</title>";
  rect(os, 0, l.top, L.width(), l.height, index % 2 ? "#f6f6f6" : "#ffffff");
  text(os, 8, l.top + 18, "lane-label", "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" + t.role + ")");
  std::string sub = t.state;
  if (t.cloned_from >= 0) sub += " \xC2\xB7 cloned from m" + std::to_string(t.cloned_from) + " (" + t.via + ")";
  else if (t.m == 0) sub += " \xC2\xB7 the main thread";
  text(os, 8, l.top + 33, "lane-sub", sub);
  if (L.stripes() > 1) {  // two stripes, both grey until something moves: say which is which
    text(os, kLabelW - 6, L.stripe_y(l, 0) + kStripeH - 1, "stripe-label", "net");
    text(os, kLabelW - 6, L.stripe_y(l, 1) + kStripeH - 1, "stripe-label", "uts");
  }
  const auto segs = segments(v, L, t.m, l);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const int end = i + 1 < segs.size() ? segs[i + 1].x : l.end_x;
    // A faint wash over the whole lane body and a solid stripe per namespace kind on top.
    rect(os, segs[i].x, L.stripe_y(l, 0), end - segs[i].x, L.verdict_y(l) - L.stripe_y(l, 0) - 2,
         ns.stroke(segs[i].net), " opacity=\"0.13\"");
    rect(os, segs[i].x, L.stripe_y(l, 0), end - segs[i].x, kStripeH - 1, ns.stroke(segs[i].net),
         " class=\"stripe\"");
    if (L.stripes() > 1)
      rect(os, segs[i].x, L.stripe_y(l, 1), end - segs[i].x, kStripeH - 1, ns.stroke(segs[i].uts),
           " class=\"stripe\"");
  }
  if (l.wedged_x >= 0)
    rect(os, l.wedged_x, L.stripe_y(l, 0), l.end_x - l.wedged_x, L.verdict_y(l) - L.stripe_y(l, 0) - 2,
         "url(#hatch-" + std::to_string(run) + ")");
  os << "</g>\n";
}

// Did this op see a namespace its goroutine did not believe it was in?
bool surprised(const json& ev) {
  const std::string op = str(ev, "op");
  if (op == "expect") return !flag(ev, "match");
  if (op != "get") return false;
  const std::string id = str(ev, "id");
  for (const auto& [kind, now] : field(ev, "ns").items()) {
    const std::string belief = str(field(ev, "belief"), kind.c_str());
    if (now.is_string() && now.get<std::string>() == id && !belief.empty() && belief != id) return true;
  }
  return false;
}

// What the op did, for its tooltip.
std::string op_detail(const json& ev, const Namespaces& ns) {
  const std::string op = str(ev, "op");
  if (op == "get") {
    std::string s = str(ev, "as") + " = " + ns.show(str(ev, "id"));
    if (surprised(ev)) s += ", but the goroutine believed otherwise";
    return s;
  }
  if (op == "unshare" || op == "setns") {
    if (flag(ev, "injected")) return op + " FAILED (injected): " + str(ev, "result") + "; the thread did not move";
    return op + (op == "setns" ? " to " + str(ev, "to") : "") + ": the thread moves to " + ns.show(str(ev, "id"));
  }
  if (op == "go")
    return "go " + str(ev, "callee") + " -> g" + std::to_string(num(ev, "child")) +
           (flag(ev, "inherit") ? " (expected to inherit this namespace)" : "");
  if (op == "expect")
    return "expect " + str(ev, "is") + ": " +
           (flag(ev, "match") ? std::string("ok") : "MISMATCH, the thread is in " + ns.show(str(ev, "observed")));
  if (op == "exec") return "exec: the child process starts in " + ns.show(str(ev, "child_ns"));
  if (op == "call") return "call " + str(ev, "callee");
  if (op == "lock" || op == "unlock")
    return op + ", lock count " + std::to_string(num(ev, "lockedExt", 0)) +
           (flag(ev, "released") ? ": the thread is free for any goroutine" : "");
  for (const char* key : {"chan", "wg"})
    if (!str(ev, key).empty()) return op + " " + str(ev, key);
  return op;
}

void svg_op(std::ostringstream& os, const Layout& L, const Namespaces& ns, std::size_t col) {
  const json& ev = L.step(col);
  const Lane* l = L.lane(num(ev, "m"));
  const std::string net = ns_of(ev, "net"), uts = ns_of(ev, "uts");
  const std::string g = "g" + std::to_string(num(ev, "g"));
  os << "<g class=\"op\" data-seq=\"" << num(ev, "seq") << "\" data-m=\"" << num(ev, "m") << "\" data-g=\""
     << num(ev, "g") << "\" data-op=\"" << esc(str(ev, "op")) << "\">";
  os << "<title>"
     << esc(g + " " + str(ev, "fn") + ": " + str(ev, "op") + " at " + str(ev, "label") + " (line " +
            std::to_string(num(ev, "line", 0)) + ")\n" + mdesc(num(ev, "m"), num(ev, "tid", 0)) +
            (flag(ev, "locked") ? ", locked to this goroutine" : "") + "\nnet " + ns.show(net) +
            (uts.empty() ? "" : ", uts " + ns.show(uts)) + "\n" + op_detail(ev, ns) + "\n" + step_desc(L, col))
     << "</title>";
  if (l == nullptr) {  // no lane to draw on; the group (and its tooltip) still counts the op
    os << "</g>\n";
    return;
  }
  const int x = L.x(col) + 4, y = L.box_y(*l), w = kColW - 8;
  if (L.stripes() > 1) {
    rect(os, x, y, w, kBoxH / 2, ns.fill(net));
    rect(os, x, y + kBoxH / 2, w, kBoxH - kBoxH / 2, ns.fill(uts));
  } else {
    rect(os, x, y, w, kBoxH, ns.fill(net));
  }
  const char* outline = surprised(ev) ? "box surprised" : flag(ev, "locked") ? "box locked" : "box";
  os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << kBoxH << "\" rx=\"3\" class=\""
     << outline << "\"/>";
  os << "<text x=\"" << x + 4 << "\" y=\"" << y + 14 << "\" class=\"op-g\">" << esc(g)
     << "<tspan class=\"op-fn\"> " << esc(clip(str(ev, "fn"), 9 - std::min<std::size_t>(g.size(), 6)))
     << "</tspan></text>";
  text(os, x + 4, y + 28, "op-name", clip(str(ev, "op"), 11));
  os << "</g>\n";
}

void svg_newm(std::ostringstream& os, const Layout& L, const Namespaces& ns, std::size_t col) {
  const json& ev = L.step(col);
  const Lane* to = L.lane(num(ev, "m"));
  const Lane* from = L.lane(num(ev, "from_m"));
  const std::string via = str(ev, "via").empty() ? "direct" : str(ev, "via");
  std::string start_ns;
  for (const auto& row : field(ev, "tasks"))
    if (num(row, "m") == num(ev, "m")) start_ns = str(row, "net");
  os << "<g class=\"newm\" data-seq=\"" << num(ev, "seq") << "\" data-m=\"" << num(ev, "m") << "\" data-from=\""
     << num(ev, "from_m") << "\" data-via=\"" << esc(via) << "\">";
  os << "<title>"
     << esc("clone (" + via + "): " + mdesc(num(ev, "from_m"), num(ev, "from_tid", 0)) + " creates " +
            mdesc(num(ev, "m"), num(ev, "tid", 0)) + ", " + str(ev, "role") +
            (via == "template" ? ", by the template thread" : "") + "; it starts in " + ns.show(start_ns) + "\n" +
            step_desc(L, col))
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
     << "\" class=\"arrow " << (via == "template" ? "via-template" : "via-direct") << "\"/>";
  os << "<polygon points=\"" << x - 5 << "," << y2 + tip << " " << x + 5 << "," << y2 + tip << " " << x << "," << y2
     << "\" class=\"arrowhead\"/>";
  os << "<text x=\"" << x + 5 << "\" y=\"" << L.box_y(*to) + 12 << "\" class=\"arrow-label\">clone"
     << "<tspan x=\"" << x + 5 << "\" dy=\"12\">(" << esc(via) << ")</tspan></text>";
  os << "</g>\n";
}

// mexit and wedge end a lane; strict-unlock-kill, a locked gexit and a skipped unlock mark it.
void svg_thread_mark(std::ostringstream& os, const Layout& L, std::size_t col) {
  const json& ev = L.step(col);
  const std::string k = str(ev, "ev");
  const Lane* l = L.lane(num(ev, "m"));
  const std::string m = mdesc(num(ev, "m"), num(ev, "tid", 0));
  std::string title, line1, line2;
  const char* cls = "mark";
  if (k == "mexit") cls = "lane-end", title = m + " exits", line1 = "thread", line2 = "exits";
  if (k == "wedge")
    cls = "lane-end", title = m + " is M0 and cannot exit: it parks forever, still in its namespace",
    line1 = "M0", line2 = "wedged";
  if (k == "strict-unlock-kill")
    title = "strict-unlock retires " + m + ": it changed namespace while locked", line1 = "retired", line2 = "";
  if (k == "unlock-skipped")
    title = "restore-or-die: the restore failed, UnlockOSThread is skipped on " + m, line1 = "unlock", line2 = "skipped";
  if (k == "gexit") {
    const std::string fate = str(ev, "fate");
    title = "g" + std::to_string(num(ev, "g")) + " exits locked to " + m + ": " +
            (fate == "pool" ? "the lock is dropped and the thread returns to the pool"
             : fate == "wedge" ? "M0 cannot exit, it will be wedged"
                               : "the thread exits with it");
    line1 = "g" + std::to_string(num(ev, "g")) + " exits", line2 = "locked";
  }
  os << "<g class=\"" << cls << "\" data-ev=\"" << esc(k) << "\" data-seq=\"" << num(ev, "seq") << "\" data-m=\""
     << num(ev, "m") << "\"><title>" << esc(title + "\n" + step_desc(L, col)) << "</title>";
  if (l != nullptr) {
    const int x = L.cx(col), top = L.stripe_y(*l, 0), bottom = L.box_y(*l) + kBoxH;
    if (std::string(cls) == "lane-end")
      rect(os, x - 2, top, 4, bottom - top, k == "wedge" ? "#8b1a1a" : "#333333");
    else
      os << "<circle cx=\"" << x << "\" cy=\"" << L.box_mid(*l) << "\" r=\"4\" class=\"dot\"/>";
    text(os, x + 5, L.box_y(*l) + 12, "mark-label", line1);
    text(os, x + 5, L.box_y(*l) + 24, "mark-label", line2);
  }
  os << "</g>\n";
}

// exit and fault concern the whole process: a line across every lane.
void svg_process_mark(std::ostringstream& os, const Layout& L, std::size_t col) {
  const json& ev = L.step(col);
  const bool fault = str(ev, "ev") == "fault";
  const std::string title = fault ? "fault: " + str(ev, "message")
                                  : "main returned; the process exits with code " + std::to_string(num(ev, "code", 0));
  os << "<g class=\"process-mark\" data-ev=\"" << (fault ? "fault" : "exit") << "\" data-seq=\"" << num(ev, "seq")
     << "\"><title>" << esc(title + "\n" + step_desc(L, col)) << "</title>";
  os << "<line x1=\"" << L.cx(col) << "\" y1=\"" << kAxisH - 2 << "\" x2=\"" << L.cx(col) << "\" y2=\"" << L.height()
     << "\" class=\"" << (fault ? "fault-line" : "exit-line") << "\"/>";
  text(os, L.cx(col) + 4, kAxisH - 1, fault ? "fault-label" : "exit-label", fault ? "fault" : "exit");
  os << "</g>\n";
}

void svg_verdicts(std::ostringstream& os, const RunView& view, const Layout& L) {
  const auto& r = view.r;
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
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
      text(os, x + 7, y, "verdict-label", "V" + std::to_string(i + 1) + " " + name);
    }
    os << "</g>\n";
  }
}
}  // namespace

void svg_timeline(std::ostringstream& os, const RunView& v, const Namespaces& ns, std::size_t run) {
  const auto& r = v.r;
  const bool uts = !v.origin_uts.empty();
  const Layout L(v, uts);
  os << "<div class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << L.width() << "\" height=\""
     << L.height() << "\" viewBox=\"0 0 " << L.width() << " " << L.height() << "\" role=\"img\" aria-label=\""
     << esc("timeline of " + r.scenario + " under " + r.policy) << "\">\n";
  // Ids are page-wide: one hatch pattern per run.
  os << "<defs><pattern id=\"hatch-" << run << "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
     << "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\" fill-opacity=\"0.35\"/>"
     << "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#8b1a1a\" stroke-width=\"2\" stroke-opacity=\"0.45\"/>"
     << "</pattern></defs>\n";
  for (std::size_t i = 0; i < L.lanes().size(); ++i) svg_lane(os, v, L, ns, L.lanes()[i], i, run);
  svg_axis(os, L);
  for (std::size_t c = 0; c < L.columns(); ++c) {
    const std::string k = str(L.step(c), "ev");
    if (k == "op") svg_op(os, L, ns, c);
    else if (k == "newm") svg_newm(os, L, ns, c);
    else if (k == "exit" || k == "fault") svg_process_mark(os, L, c);
    else if (is_thread_event(k) || k == "gexit") svg_thread_mark(os, L, c);
  }
  svg_verdicts(os, v, L);
  os << "</svg></div>\n";
}

}  // namespace nsleak::reports::timeline
