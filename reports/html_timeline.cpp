#include "reports/html_timeline.hpp"

#include "reports/ns_names.hpp"
#include "reports/xml_text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace nsleak::reports {
namespace {

using nlohmann::json;
using verdict::RunReport;
using verdict::primary;

// ---------------------------------------------------------------------------------------------
// Reading events. The trace comes from our own runtime, but a crashed or timed-out child can
// leave events half-written: read fields without trusting their type, so a surprise draws an
// empty label instead of throwing halfway through a page.

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long num(const json& j, const char* key, long def = -1) {
  if (!j.is_object()) return def;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long>() : def;
}

bool flag(const json& j, const char* key) {
  if (!j.is_object()) return false;
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const json& field(const json& j, const char* key) {
  static const json none;
  if (!j.is_object()) return none;
  const auto it = j.find(key);
  return it == j.end() ? none : *it;
}

// The namespace of `kind` ("net", "uts", ...) an op ran in.
std::string ns_of(const json& ev, const char* kind) { return str(field(ev, "ns"), kind); }
const char* kPrimary = os::kind_name(verdict::kPrimaryKind);

// ---------------------------------------------------------------------------------------------
// Escaping. Scenario text (name, description, `as` names) reaches the page; it may hold markup,
// quotes, control characters or — in a file path — bytes that are not UTF-8.

// Text for element content and quoted attributes alike (one function, so no call site can
// pick the weaker one).
std::string esc(const std::string& s) { return xml_escape(s, true); }

// A label cut to `max` code points with an ellipsis: SVG text does not wrap or clip, and a box
// label that runs into the next box is unreadable. The full text is in the box's tooltip.
std::string clip(const std::string& s, std::size_t max) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= max || max == 0) return s;
  return s.substr(0, starts[max - 1]) + "\xE2\x80\xA6";
}

// ---------------------------------------------------------------------------------------------
// Colours: one per namespace identity. Origin is neutral grey so that everything coloured is,
// at a glance, somewhere the program did not start.

struct Rgb {
  double r, g, b;
};

std::string hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(std::lround(c.r)),
                static_cast<int>(std::lround(c.g)), static_cast<int>(std::lround(c.b)));
  return buf;
}

Rgb towards_white(Rgb c, double f) { return {c.r + (255 - c.r) * f, c.g + (255 - c.g) * f, c.b + (255 - c.b) * f}; }

// Okabe–Ito first (distinguishable with the common colour-vision deficiencies), yellow last as
// it is weakest on white; past seven namespaces, golden-angle hues.
Rgb strong_colour(std::size_t i) {
  static const Rgb okabe_ito[] = {{0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9}, {0x00, 0x9E, 0x73}, {0xCC, 0x79, 0xA7},
                                  {0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0xF0, 0xE4, 0x42}};
  if (i < std::size(okabe_ito)) return okabe_ito[i];
  const double h = std::fmod(static_cast<double>(i) * 137.508, 360.0) / 60.0;
  const double s = 0.55, l = 0.5;
  const double c = (1 - std::fabs(2 * l - 1)) * s, x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = l - c / 2;
  const int sector = static_cast<int>(h);
  const double rgb[6][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}};
  return {(rgb[sector][0] + m) * 255, (rgb[sector][1] + m) * 255, (rgb[sector][2] + m) * 255};
}

const Rgb kOriginStrong{0x9e, 0x9e, 0x9e};

// The namespace identities of one run, in order of first appearance, with their names ("origin"
// and every `as` the scenario gave, as the text story names them) and colours.
class Namespaces {
 public:
  struct Entry {
    std::string id, kind, name;
    bool origin = false;
    Rgb colour{};
  };

  explicit Namespaces(const RunReport& r) : origins_(r.analysis.origins), names_(r) {
    for (auto k : os::kAllKinds) see(r.analysis.origins[os::index(k)], os::kind_name(k));
    for (const auto& ev : r.record.events) {
      for (const auto& row : field(ev, "tasks"))
        for (auto k : os::kAllKinds) see(str(row, os::kind_name(k)), os::kind_name(k));
      for (auto k : os::kAllKinds) see(ns_of(ev, os::kind_name(k)), os::kind_name(k));
      see(str(ev, "child_ns"), kPrimary);
    }
    for (auto& e : entries_) e.name = names_.name(e.id);
  }

  const std::vector<Entry>& entries() const { return entries_; }
  std::string stroke(const std::string& id) const { return hex(colour(id)); }
  // Box and swatch fill: light enough for dark text on it.
  std::string fill(const std::string& id) const { return hex(towards_white(colour(id), 0.55)); }
  std::string show(const std::string& id) const { return names_.show(id); }
  std::string annotate(const std::string& text) const { return names_.annotate(text); }

 private:
  void see(const std::string& id, const char* kind) {
    if (id.empty() || index_.count(id)) return;
    const bool origin = std::find(origins_.begin(), origins_.end(), id) != origins_.end();
    Entry e{id, kind, "", origin, kOriginStrong};
    if (!e.origin) e.colour = strong_colour(coloured_++);
    index_[id] = entries_.size();
    entries_.push_back(e);
  }
  Rgb colour(const std::string& id) const {
    auto it = index_.find(id);
    return it == index_.end() ? kOriginStrong : entries_[it->second].colour;
  }

  verdict::KindValues origins_;
  NsNames names_;
  std::map<std::string, std::size_t> index_;
  std::vector<Entry> entries_;
  std::size_t coloured_ = 0;
};

// ", uts NS(…)" for every kind but the primary one that has a value: the tooltips' extra kinds.
std::string others(const verdict::KindValues& values, const Namespaces& ns) {
  std::string out;
  for (auto k : os::kAllKinds)
    if (k != verdict::kPrimaryKind && !values[os::index(k)].empty())
      out += std::string(", ") + os::kind_name(k) + " " + ns.show(values[os::index(k)]);
  return out;
}
std::string others(const json& values, const Namespaces& ns) {
  verdict::KindValues v;
  for (auto k : os::kAllKinds) v[os::index(k)] = str(values, os::kind_name(k));
  return others(v, ns);
}

// ---------------------------------------------------------------------------------------------
// Layout. x is step order, not time: one column per op or thread event, so a burst of ops in a
// microsecond is as readable as a sleep. A final "end" column holds what the run's end revealed
// (poisoned-main has no event of its own).

constexpr int kLabelW = 210;  // lane labels
constexpr int kColW = 72;
constexpr int kAxisH = 30;
constexpr int kStripeH = 6;
constexpr int kBoxH = 34;
constexpr int kRowH = 13;  // one row of verdict labels
constexpr int kArrowDx = 14;  // a clone arrow's x within its column: left, so its label fits
constexpr int kMaxVerdictRows = 3;

bool is_thread_event(const std::string& k) {
  return k == "newm" || k == "mexit" || k == "wedge" || k == "strict-unlock-kill" || k == "unlock-skipped";
}

bool is_step(const json& ev, const std::set<long>& verdict_seqs) {
  const std::string k = str(ev, "ev");
  if (k == "op" || is_thread_event(k) || k == "fault" || k == "exit") return true;
  if (k == "gexit" && flag(ev, "locked")) return true;
  return verdict_seqs.count(num(ev, "seq", -2)) > 0;
}

struct Lane {
  const verdict::ThreadInfo* thread;
  int top = 0, height = 0;
  int start_x = 0, end_x = 0;  // where the thread exists
  int wedged_x = -1;           // from here M0 is parked forever
  int rows = 0;                // verdict label rows
};

class Layout {
 public:
  explicit Layout(const RunReport& r) : kinds_(kinds_seen(r.analysis)) {
    std::set<long> vseqs;
    for (const auto& v : r.analysis.verdicts) vseqs.insert(v.seq);
    for (const auto& ev : r.record.events)
      if (ev.contains("seq") && is_step(ev, vseqs)) cols_.push_back(&ev);
    std::stable_sort(cols_.begin(), cols_.end(),
                     [](const json* a, const json* b) { return num(*a, "seq") < num(*b, "seq"); });
    for (const auto& t : r.analysis.threads) {
      lane_of_m_[t.m] = lanes_.size();
      lanes_.push_back(Lane{&t});
    }
    place_lane_ends();
    place_verdicts(r);
    stack_lanes();
  }

  std::size_t columns() const { return cols_.size(); }  // the end column is columns()
  const json& step(std::size_t col) const { return *cols_[col]; }
  int x(std::size_t col) const { return kLabelW + static_cast<int>(col) * kColW; }
  int cx(std::size_t col) const { return x(col) + kColW / 2; }
  int width() const { return std::max(x(cols_.size() + 1) + 12, right_max_ + 8); }
  int height() const { return lanes_.empty() ? kAxisH : lanes_.back().top + lanes_.back().height + 8; }
  // The column of the step with this seq, or of the first step after it; seq < 0 (or past the
  // last step): the end column.
  std::size_t col_at(long seq) const {
    if (seq < 0) return cols_.size();
    return std::lower_bound(cols_.begin(), cols_.end(), seq,
                            [](const json* ev, long s) { return num(*ev, "seq") < s; }) -
           cols_.begin();
  }
  const std::vector<Lane>& lanes() const { return lanes_; }
  const Lane* lane(long m) const {
    auto it = lane_of_m_.find(m);
    return it == lane_of_m_.end() ? nullptr : &lanes_[it->second];
  }
  // One stripe per observed kind, in table order.
  const std::vector<os::StateKind>& kinds() const { return kinds_; }
  int stripes() const { return static_cast<int>(kinds_.size()); }
  int stripe_y(const Lane& l, int i) const { return l.top + 4 + i * kStripeH; }
  int box_y(const Lane& l) const { return stripe_y(l, stripes()) + 4; }
  int box_mid(const Lane& l) const { return box_y(l) + kBoxH / 2; }
  int verdict_y(const Lane& l) const { return box_y(l) + kBoxH + 4; }
  int verdict_row(std::size_t i) const { return verdict_rows_.at(i); }

 private:
  // Threads are born at their newm arrow, die at their mexit; M0 wedges but stays.
  void place_lane_ends() {
    for (auto& l : lanes_) l.start_x = kLabelW, l.end_x = x(cols_.size() + 1) - 6;
    for (std::size_t c = 0; c < cols_.size(); ++c) {
      const std::string k = str(*cols_[c], "ev");
      const auto it = lane_of_m_.find(num(*cols_[c], "m"));
      if (it == lane_of_m_.end()) continue;
      Lane& l = lanes_[it->second];
      if (k == "newm") l.start_x = x(c) + kArrowDx;
      if (k == "mexit") l.end_x = cx(c);
      if (k == "wedge") l.wedged_x = cx(c);
    }
  }

  // Verdict labels sit under their lane's boxes, in as few rows as keep them from overlapping.
  void place_verdicts(const RunReport& r) {
    std::map<std::size_t, std::vector<int>> right_edges;  // lane -> each row's rightmost x
    for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
      const auto& v = r.analysis.verdicts[i];
      const auto it = lane_of_m_.find(v.m);
      verdict_rows_.push_back(0);
      if (it == lane_of_m_.end()) continue;
      const int left = cx(col_at(v.seq)) - 3;
      // "V1 name" in bold 10px: about 6px a character.
      const int right = left + 12 + static_cast<int>(std::string(verdict::verdict_name(v.kind)).size() + 3) * 6;
      right_max_ = std::max(right_max_, right);
      auto& rows = right_edges[it->second];
      std::size_t row = 0;
      while (row < rows.size() && rows[row] > left) ++row;
      if (row == rows.size() && rows.size() < kMaxVerdictRows) rows.push_back(0);
      if (row >= rows.size())  // no free row: overlap where it hurts least
        row = std::min_element(rows.begin(), rows.end()) - rows.begin();
      rows[row] = std::max(rows[row], right);
      verdict_rows_.back() = static_cast<int>(row);
      lanes_[it->second].rows = std::max(lanes_[it->second].rows, static_cast<int>(row) + 1);
    }
  }

  void stack_lanes() {
    int y = kAxisH;
    for (auto& l : lanes_) {
      l.top = y;
      l.height = 4 + stripes() * kStripeH + 4 + kBoxH + 6 + l.rows * kRowH + (l.rows ? 4 : 0);
      y += l.height;
    }
  }

  std::vector<os::StateKind> kinds_;
  std::vector<const json*> cols_;
  std::vector<Lane> lanes_;
  std::map<long, std::size_t> lane_of_m_;
  std::vector<int> verdict_rows_;
  int right_max_ = 0;  // of the verdict labels, which may run past the end column
};

// ---------------------------------------------------------------------------------------------
// SVG pieces. Every group has a class and data-* attributes naming what it draws (the test
// counts them) and a <title> (the browser's native tooltip) with the details.

std::string mdesc(long m, long tid) { return "m" + std::to_string(m) + " (tid " + std::to_string(tid) + ")"; }

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

// Segments of a thread's namespaces over time, from the kernel snapshots: [x, value per kind].
struct Segment {
  int x;
  verdict::KindValues values;
};

std::vector<Segment> segments(const RunReport& r, const Layout& L, long m, const Lane& lane) {
  std::vector<Segment> out;
  verdict::KindValues now;
  for (const auto& ev : r.record.events) {
    for (const auto& row : field(ev, "tasks")) {
      if (num(row, "m") != m) continue;
      bool changed = false;
      for (auto k : os::kAllKinds) {
        const std::string v = str(row, os::kind_name(k));
        if (k != verdict::kPrimaryKind && v.empty()) continue;  // not observed in this run
        changed = changed || v != now[os::index(k)];
        now[os::index(k)] = v;
      }
      if (!changed) continue;
      // A change is drawn from the left edge of the column of the event that saw it (the
      // unshare's own box is already in the new namespace), or of the next step for events
      // without a column of their own.
      int x = L.x(L.col_at(num(ev, "seq")));
      if (str(ev, "ev") == "newm" && num(ev, "m") == m) x = lane.start_x;
      x = std::max(x, lane.start_x);
      if (!out.empty() && out.back().x == x) out.pop_back();
      out.push_back({x, now});
    }
  }
  return out;
}

void svg_lane(std::ostringstream& os, const RunReport& r, const Layout& L, const Namespaces& ns, const Lane& l,
              std::size_t index, std::size_t run) {
  const auto& t = *l.thread;
  os << "<g class=\"lane\" data-m=\"" << t.m << "\" data-tid=\"" << t.tid << "\" data-role=\"" << esc(t.role)
     << "\" data-state=\"" << esc(t.state) << "\">";
  os << "<title>" << esc(mdesc(t.m, t.tid) + ", " + t.role + ", " + t.state + " at the end, in " + ns.show(primary(t.values)) +
                         others(t.values, ns) +
                         (t.cloned_from >= 0 ? "; cloned from m" + std::to_string(t.cloned_from) + " (" + t.via + ")"
                                             : ""))
     << "</title>";
  rect(os, 0, l.top, L.width(), l.height, index % 2 ? "#f6f6f6" : "#ffffff");
  text(os, 8, l.top + 18, "lane-label", "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" + t.role + ")");
  std::string sub = t.state;
  if (t.cloned_from >= 0) sub += " \xC2\xB7 cloned from m" + std::to_string(t.cloned_from) + " (" + t.via + ")";
  else if (t.m == 0) sub += " \xC2\xB7 the main thread";
  text(os, 8, l.top + 33, "lane-sub", sub);
  if (L.stripes() > 1)  // several stripes, all grey until something moves: say which is which
    for (int i = 0; i < L.stripes(); ++i)
      text(os, kLabelW - 6, L.stripe_y(l, i) + kStripeH - 1, "stripe-label", os::kind_name(L.kinds()[i]));
  const auto segs = segments(r, L, t.m, l);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const int end = i + 1 < segs.size() ? segs[i + 1].x : l.end_x;
    // A faint wash over the whole lane body and a solid stripe per namespace kind on top.
    rect(os, segs[i].x, L.stripe_y(l, 0), end - segs[i].x, L.verdict_y(l) - L.stripe_y(l, 0) - 2,
         ns.stroke(primary(segs[i].values)), " opacity=\"0.13\"");
    for (int s = 0; s < L.stripes(); ++s)
      rect(os, segs[i].x, L.stripe_y(l, s), end - segs[i].x, kStripeH - 1,
           ns.stroke(segs[i].values[os::index(L.kinds()[s])]), " class=\"stripe\"");
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
  const json& now = field(ev, "ns");
  const std::string g = "g" + std::to_string(num(ev, "g"));
  os << "<g class=\"op\" data-seq=\"" << num(ev, "seq") << "\" data-m=\"" << num(ev, "m") << "\" data-g=\""
     << num(ev, "g") << "\" data-op=\"" << esc(str(ev, "op")) << "\">";
  os << "<title>"
     << esc(g + " " + str(ev, "fn") + ": " + str(ev, "op") + " at " + str(ev, "label") + " (line " +
            std::to_string(num(ev, "line", 0)) + ")\n" + mdesc(num(ev, "m"), num(ev, "tid", 0)) +
            (flag(ev, "locked") ? ", locked to this goroutine" : "") + "\n" + kPrimary + " " +
            ns.show(str(now, kPrimary)) + others(now, ns) + "\n" + op_detail(ev, ns) + "\n" + step_desc(L, col))
     << "</title>";
  if (l == nullptr) {  // no lane to draw on; the group (and its tooltip) still counts the op
    os << "</g>\n";
    return;
  }
  const int x = L.x(col) + 4, y = L.box_y(*l), w = kColW - 8;
  // One horizontal band per observed kind, top to bottom in table order.
  const int n = L.stripes();
  for (int i = 0; i < n; ++i)
    rect(os, x, y + kBoxH * i / n, w, kBoxH * (i + 1) / n - kBoxH * i / n,
         ns.fill(str(now, os::kind_name(L.kinds()[i]))));
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
    if (num(row, "m") == num(ev, "m")) start_ns = str(row, kPrimary);
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

void svg_verdicts(std::ostringstream& os, const RunReport& r, const Layout& L, const Namespaces& ns) {
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
    const Lane* l = L.lane(v.m);
    const std::string name = verdict::verdict_name(v.kind);
    const std::size_t col = L.col_at(v.seq);
    os << "<g class=\"verdict\" data-kind=\"" << name << "\" data-seq=\"" << v.seq << "\" data-m=\"" << v.m << "\">";
    os << "<title>" << esc("V" + std::to_string(i + 1) + " " + name + ": " + ns.annotate(v.summary)) << "</title>";
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

void svg_timeline(std::ostringstream& os, const RunReport& r, const Namespaces& ns, std::size_t run) {
  const Layout L(r);
  os << "<div class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << L.width() << "\" height=\""
     << L.height() << "\" viewBox=\"0 0 " << L.width() << " " << L.height() << "\" role=\"img\" aria-label=\""
     << esc("timeline of " + r.scenario + " under " + r.policy) << "\">\n";
  // Ids are page-wide: one hatch pattern per run.
  os << "<defs><pattern id=\"hatch-" << run << "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
     << "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\" fill-opacity=\"0.35\"/>"
     << "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#8b1a1a\" stroke-width=\"2\" stroke-opacity=\"0.45\"/>"
     << "</pattern></defs>\n";
  for (std::size_t i = 0; i < L.lanes().size(); ++i) svg_lane(os, r, L, ns, L.lanes()[i], i, run);
  svg_axis(os, L);
  for (std::size_t c = 0; c < L.columns(); ++c) {
    const std::string k = str(L.step(c), "ev");
    if (k == "op") svg_op(os, L, ns, c);
    else if (k == "newm") svg_newm(os, L, ns, c);
    else if (k == "exit" || k == "fault") svg_process_mark(os, L, c);
    else if (is_thread_event(k) || k == "gexit") svg_thread_mark(os, L, c);
  }
  svg_verdicts(os, r, L, ns);
  os << "</svg></div>\n";
}

// ---------------------------------------------------------------------------------------------
// HTML around the timeline.

std::string outcome_word(const RunReport& r) {
  std::string o = verdict::outcome_name(r.judgement.outcome);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

void run_header(std::ostringstream& os, const RunReport& r) {
  const std::string o = outcome_word(r);
  std::string lower = verdict::outcome_name(r.judgement.outcome);
  os << "<h2><span class=\"outcome " << esc(lower) << "\">" << esc(o) << "</span> " << esc(r.scenario)
     << " <span class=\"policy\">[" << esc(r.policy) << "]</span></h2>\n";
  os << "<p class=\"reason\">" << esc(r.judgement.reason) << "</p>\n<dl class=\"meta\">";
  auto item = [&](const char* k, const std::string& v) { os << "<dt>" << k << "</dt><dd>" << esc(v) << "</dd>"; };
  item("policy", r.policy);
  item("strategy", r.strategy);
  item("file", r.file);
  if (r.judgement.has_expectation) {
    item("expects", join(r.judgement.expected));
    item("rules out", join(r.judgement.absent));
    if (!r.judgement.missing.empty()) item("missing", join(r.judgement.missing));
    if (!r.judgement.unexpected.empty()) item("unexpected", join(r.judgement.unexpected));
  }
  if (!r.reproduce.empty()) os << "<dt>reproduce</dt><dd><code>" << esc(r.reproduce) << "</code></dd>";
  os << "</dl>\n";
  if (!r.description.empty()) os << "<p class=\"description\">" << esc(r.description) << "</p>\n";
}

void legend(std::ostringstream& os, const Namespaces& ns) {
  os << "<div class=\"legend\"><span class=\"legend-title\">Namespaces:</span>";
  for (const auto& e : ns.entries())
    os << "<span class=\"key\" data-ns=\"" << esc(e.id) << "\"><span class=\"swatch\" style=\"background:"
       << ns.fill(e.id) << ";border-color:" << ns.stroke(e.id) << "\"></span>" << esc(ns.show(e.id))
       << " <small>" << esc(e.kind) << "</small></span>";
  os << "</div>\n<p class=\"how\">One lane per thread (M), one column per op or thread event, in order. "
        "A box is a goroutine's op, filled with the namespace its thread was in (top: net, bottom: uts "
        "when the scenario uses uts); the stripe along a lane is the thread's namespace over time. "
        "Thick outline: the goroutine was locked to the thread. Red outline: it saw a namespace it "
        "did not believe it was in. Arrows are clones; a dark bar ends a thread that exited, a "
        "hatched lane is M0 wedged forever. Hover for details.</p>\n";
}

void verdict_list(std::ostringstream& os, const RunReport& r, const Namespaces& ns) {
  os << "<h3>Verdicts</h3>\n";
  if (r.analysis.verdicts.empty()) {
    os << "<p class=\"no-verdicts\">None: no thread left origin where another goroutine could see it.</p>\n";
    return;
  }
  const Layout L(r);
  os << "<p>What leaked; the numbered lines trace each one back, oldest first.</p>\n<ol class=\"verdicts\">\n";
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
    const std::size_t col = L.col_at(v.seq);
    std::string where = v.m >= 0 ? "on " + mdesc(v.m, v.tid) : "";
    where += v.seq >= 0 ? " at step " + std::to_string(col + 1) + " (seq " + std::to_string(v.seq) + ")"
                        : " at the end of the run";
    os << "<li class=\"verdict-item\" data-kind=\"" << verdict::verdict_name(v.kind) << "\"><span class=\"vnum\">V"
       << i + 1 << "</span> <strong>" << verdict::verdict_name(v.kind) << "</strong> <span class=\"where\">"
       << esc(where) << "</span>: " << esc(ns.annotate(v.summary));
    if (v.occurrences > 1) os << " (" << v.occurrences << " times)";
    os << "\n<ol class=\"provenance\">";
    for (const auto& p : v.provenance) os << "<li>" << esc(ns.annotate(p)) << "</li>";
    os << "</ol></li>\n";
  }
  os << "</ol>\n";
}

void thread_table(std::ostringstream& os, const RunReport& r, const Namespaces& ns) {
  const auto kinds = kinds_seen(r.analysis);
  os << "<h3>Threads at the end</h3>\n<table class=\"threads\"><thead><tr><th>M</th><th>tid</th><th>role</th>"
     << "<th>state</th>";
  for (auto k : kinds) os << "<th>" << os::kind_name(k) << "</th>";
  os << "<th>cloned from</th></tr></thead><tbody>";
  for (const auto& t : r.analysis.threads) {
    os << "<tr><td>m" << t.m << "</td><td>" << t.tid << "</td><td>" << esc(t.role) << "</td><td>" << esc(t.state)
       << "</td>";
    for (auto k : kinds) os << "<td>" << esc(ns.show(t.values[os::index(k)])) << "</td>";
    os << "<td>"
       << (t.cloned_from >= 0 ? esc("m" + std::to_string(t.cloned_from) + " (" + t.via + ")") : std::string("\xE2\x80\x94"))
       << "</td></tr>";
  }
  os << "</tbody></table>\n";
}

void run_section(std::ostringstream& os, const RunReport& r, std::size_t run) {
  os << "<section class=\"run\" id=\"run-" << run << "\">\n";
  run_header(os, r);
  if (!r.record.env_error.empty()) {
    os << "<p class=\"env-error\">The sandbox could not be set up: " << esc(r.record.env_error) << "</p>\n</section>\n";
    return;
  }
  const Namespaces ns(r);
  legend(os, ns);
  if (r.analysis.threads.empty()) os << "<p class=\"empty\">The run recorded no thread.</p>\n";
  else svg_timeline(os, r, ns, run);
  if (!r.analysis.fault.empty()) os << "<p class=\"fault\">The program stopped: " << esc(r.analysis.fault) << "</p>\n";
  for (const auto& d : r.analysis.disagreements)
    os << "<p class=\"harness-bug\">HARNESS BUG (kernel vs runtime): " << esc(d) << "</p>\n";
  verdict_list(os, r, ns);
  thread_table(os, r, ns);
  os << "</section>\n";
}

// Static: no scenario text ever reaches the stylesheet.
const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em 2em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:0 0 .3em}
h2{font-size:1.25em;margin:.2em 0}
h3{font-size:1.05em;margin:1.2em 0 .3em}
section.run{border-top:3px solid #d8d8d8;margin-top:2em;padding-top:1em}
nav ol{margin:.3em 0}
.outcome{display:inline-block;padding:.05em .5em;border-radius:4px;color:#fff;font-size:.8em;vertical-align:.1em}
.outcome.pass{background:#2e7d32}.outcome.fail{background:#c62828}
.outcome.error,.outcome.crash,.outcome.timeout{background:#6a1b9a}
.policy{color:#555;font-weight:normal}
.reason{margin:.2em 0 .5em;font-style:italic}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.4em 0}
dl.meta dt{color:#666}dl.meta dd{margin:0}
.description{white-space:pre-wrap;max-width:62em;background:#f7f7f2;border-left:4px solid #d8d8c8;padding:.5em .8em}
.legend{margin:.6em 0 .2em}
.legend-title{font-weight:600;margin-right:.6em}
.legend .key{display:inline-block;margin-right:1.4em;white-space:nowrap}
.legend .swatch{display:inline-block;width:1.6em;height:.9em;border:2px solid;border-radius:2px;vertical-align:middle;margin-right:.35em}
.how{color:#555;font-size:.9em;max-width:70em;margin:.2em 0 .6em}
.timeline{overflow-x:auto;border:1px solid #d0d0d0;background:#fff}
.timeline svg{display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1b1b1b}
.tick{font-size:10px;fill:#777;text-anchor:middle}
.axis-caption{font-size:11px;fill:#777}
.grid{stroke:#e4e4e4;stroke-width:1}
.lane-label{font-size:12px;font-weight:600}
.lane-sub{font-size:10.5px;fill:#666}
.stripe-label{font-size:7px;fill:#777;text-anchor:end}
.box{fill:none;stroke:#6b6b6b;stroke-width:1}
.box.locked{stroke:#111;stroke-width:2.4}
.box.surprised{stroke:#c00000;stroke-width:2.6}
.op-g{font-size:10.5px;font-weight:700}
.op-fn{font-weight:400}
.op-name{font-size:10.5px}
.arrow{stroke:#222;stroke-width:1.6}
.arrow.via-template{stroke-dasharray:5 3}
.arrowhead{fill:#222}
.arrow-label,.mark-label{font-size:9.5px;fill:#333}
.dot{fill:#333}
.exit-line{stroke:#2e7d32;stroke-width:1.5;stroke-dasharray:4 3}
.fault-line{stroke:#c00000;stroke-width:2;stroke-dasharray:6 3}
.exit-label{font-size:10px;fill:#2e7d32}
.fault-label{font-size:10px;fill:#c00000;font-weight:700}
.verdict-pin{stroke:#c00000;stroke-width:1.2}
.verdict-mark{fill:#c00000}
.verdict-label{font-size:10px;font-weight:700;fill:#a00000}
ol.verdicts{list-style:none;padding-left:0}
ol.verdicts>li{margin-bottom:.5em}
.vnum{display:inline-block;min-width:2em;font-weight:700;color:#a00000}
.where{color:#555}
ol.provenance{margin:.2em 0;color:#333}
table.threads{border-collapse:collapse}
table.threads th,table.threads td{padding:.15em .9em .15em 0;text-align:left;border-bottom:1px solid #eee}
.env-error,.fault,.harness-bug{color:#b00000;font-weight:600}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.92em}
)";

}  // namespace

std::string html_timeline(const std::vector<RunReport>& runs) {
  std::ostringstream os;
  const std::string title =
      runs.size() == 1 ? "nsleak: " + runs[0].scenario + " [" + runs[0].policy + "]"
                       : "nsleak: " + std::to_string(runs.size()) + " runs";
  os << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
     << "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
     << "<title>" << esc(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
     << "<h1>" << esc(title) << "</h1>\n"
     << "<p class=\"how\">Goroutines (g1, g2, ...) run on OS threads (m0, m1, ...; tid = kernel thread id). "
        "A namespace belongs to a thread, not to a goroutine: after UnlockOSThread a thread may run any "
        "goroutine, in whatever namespace it was left in.</p>\n";
  if (runs.size() > 1) {
    os << "<nav><ol>";
    for (std::size_t i = 0; i < runs.size(); ++i)
      os << "<li><a href=\"#run-" << i + 1 << "\">" << esc(outcome_word(runs[i]) + " " + runs[i].scenario + " [" +
                                                             runs[i].policy + "]")
         << "</a></li>";
    os << "</ol></nav>\n";
  }
  for (std::size_t i = 0; i < runs.size(); ++i) run_section(os, runs[i], i + 1);
  os << "</body>\n</html>\n";
  return os.str();
}

}  // namespace nsleak::reports
