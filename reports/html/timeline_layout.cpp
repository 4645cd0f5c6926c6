#include "reports/html/timeline_layout.hpp"

#include <set>
#include <tuple>

namespace nsleak::reports::timeline {
namespace {

bool is_step(const trace::Event& ev, const std::set<long>& verdict_seqs) {
  if (ev.seq < 0) return false;
  if (ev.is<trace::Op>() || is_thread_event(ev) || ev.is<trace::Fault>() || ev.is<trace::Exit>()) return true;
  if (const auto* g = ev.as<trace::GExit>(); g != nullptr && g->locked) return true;
  return verdict_seqs.count(ev.seq) > 0;
}

}  // namespace

bool is_thread_event(const trace::Event& ev) {
  return ev.is<trace::NewM>() || ev.is<trace::MExit>() || ev.is<trace::Wedge>() || ev.is<trace::StrictUnlockKill>() ||
         ev.is<trace::UnlockSkipped>();
}

trace::MId m_of(const trace::Event& ev) {
  return std::visit(
      [](const auto& e) -> trace::MId {
        if constexpr (requires { e.m; }) return static_cast<trace::MId>(e.m);
        else return trace::kNoM;
      },
      ev.body);
}

std::int32_t tid_of(const trace::Event& ev) {
  return std::visit(
      [](const auto& e) -> std::int32_t {
        if constexpr (requires { e.tid; }) return e.tid;
        else return 0;
      },
      ev.body);
}

Layout::Layout(const RunView& v, Fit fit) : fit_(fit), observed_(v.r.observed.has_value()), kinds_(v.kinds) {
  const auto& r = v.r;
  std::set<long> vseqs;
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i)
    if (v.shown(i)) vseqs.insert(r.analysis.verdicts[i].seq);
  for (const auto& ev : r.record.events)
    if (is_step(ev, vseqs)) steps_.push_back(&ev);
  std::stable_sort(steps_.begin(), steps_.end(),
                   [](const trace::Event* a, const trace::Event* b) { return a->seq < b->seq; });
  for (const auto& t : r.analysis.threads) {
    lane_of_m_[t.m] = lanes_.size();
    lanes_.push_back(Lane{&t});
  }
  if (v.large) mark_quiet(v, vseqs);
  pack();
  place_lane_ends();
  place_verdicts(v);
  stack_lanes();
}

std::size_t Layout::col_at(long seq) const {
  if (seq < 0) return columns_;
  const auto i = static_cast<std::size_t>(
      std::lower_bound(steps_.begin(), steps_.end(), seq, [](const trace::Event* ev, long s) { return ev->seq < s; }) -
      steps_.begin());
  return i < steps_.size() ? col_of_[i] : columns_;
}

void Layout::mark_quiet(const RunView& v, const std::set<long>& vseqs) {
  quiet_.assign(steps_.size(), false);
  // A telling op already drawn once with the same outcome (the same op on the same thread, the
  // same states): the thousandth reader failing one check on one dirty thread shows nothing the
  // first did not, so it folds too, and its fold is marked and counts it.
  std::set<std::tuple<std::uint32_t, trace::MId, bool, trace::StateValue, trace::StateValue>> drawn;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const auto* op = steps_[i]->as<trace::Op>();
    if (op == nullptr || vseqs.count(steps_[i]->seq)) continue;
    const scenario::Op* o = v.names.op(op->op);
    if (o == nullptr) continue;
    using scenario::OpKind;
    // What moves a thread, pins it or checks a belief is never folded away.
    const bool telling = o->kind == OpKind::Unshare || o->kind == OpKind::Setns || o->kind == OpKind::Lock ||
                         o->kind == OpKind::Unlock || o->kind == OpKind::Exec || (o->kind == OpKind::Expect && !op->match);
    quiet_[i] = !telling || !drawn.emplace(op->op, static_cast<trace::MId>(op->m), op->match, op->value, op->observed).second;
  }
  // Only stretches long enough to be worth a fold.
  for (std::size_t i = 0; i < steps_.size();) {
    std::size_t j = i;
    while (j < steps_.size() && quiet_[j]) ++j;
    if (j - i < kFoldMin)
      for (std::size_t k = i; k < j; ++k) quiet_[k] = false;
    i = j == i ? i + 1 : j;
  }
}

void Layout::pack() {
  if (quiet_.empty()) quiet_.assign(steps_.size(), false);
  // Goroutines made by a `go` in the current column: their steps must come later.
  std::set<trace::GoId> spawned_here;
  std::set<trace::MId> lanes_here;
  bool shared = true;  // the current column may take another lane's step
  const trace::NewM* fan = nullptr;  // the current column is a fan of runtime-only clones from one M
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const trace::Event& ev = *steps_[i];
    const trace::MId m = m_of(ev);
    const auto* op = ev.as<trace::Op>();
    // Clones (arrows between lanes), exit and fault (lines across all lanes) stand alone.
    const bool alone = ev.is<trace::NewM>() || ev.is<trace::Exit>() || ev.is<trace::Fault>() || !lane_of_m_.count(m);
    // Threads the runtime starts for itself (sysmon, the template thread, the idle pool) are
    // not the program's doing: consecutive ones from one M share a column, one arrow each.
    const auto* nm = ev.as<trace::NewM>();
    const bool runtime_only = nm != nullptr && (nm->role == trace::MRole::Sysmon || nm->role == trace::MRole::Template ||
                                                nm->role == trace::MRole::Pool);
    const bool joins_fan = runtime_only && fan != nullptr && fan->from_m == nm->from_m && fan->via == nm->via &&
                           !lanes_here.count(m);
    // A fold takes a whole stretch of quiet steps, whatever lanes they are on.
    const bool in_fold = quiet_[i] && i > 0 && quiet_[i - 1];
    const bool fresh = i == 0 || (!in_fold && (quiet_[i] || (i > 0 && quiet_[i - 1]) ||
                                               (!joins_fan && (alone || !shared || lanes_here.count(m) ||
                                                               (op != nullptr && spawned_here.count(op->g))))));
    if (fresh && i > 0) {
      ++columns_;
      spawned_here.clear();
      lanes_here.clear();
    }
    col_of_.push_back(columns_);
    fan = runtime_only ? nm : nullptr;
    shared = !alone;
    lanes_here.insert(m);
    if (op != nullptr && op->child != trace::kNoG) spawned_here.insert(op->child);
  }
  if (!steps_.empty()) ++columns_;
  const int fit = (fit_.width - fit_.label_w - 12) / static_cast<int>(columns_ + 1);
  col_w_ = std::clamp(fit, kColWMin, kColWMax);
}

const Lane* Layout::lane(long m) const {
  auto it = lane_of_m_.find(m);
  return it == lane_of_m_.end() ? nullptr : &lanes_[it->second];
}

void Layout::place_lane_ends() {
  for (auto& l : lanes_) l.start_x = fit_.label_w, l.end_x = x(columns_ + 1) - 6;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const trace::Event& ev = *steps_[i];
    const std::size_t c = col_of_[i];
    const auto it = lane_of_m_.find(m_of(ev));
    if (it == lane_of_m_.end()) continue;
    Lane& l = lanes_[it->second];
    if (ev.is<trace::NewM>()) l.start_x = x(c) + kArrowDx;
    if (ev.is<trace::MExit>()) l.end_x = cx(c);
    if (ev.is<trace::Wedge>()) l.wedged_x = cx(c);
  }
}

void Layout::place_verdicts(const RunView& view) {
  const auto& r = view.r;
  std::map<std::size_t, std::vector<int>> right_edges;  // lane -> each row's rightmost x
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
    const auto it = lane_of_m_.find(v.m);
    verdict_rows_.push_back(0);
    verdict_flip_.push_back(false);
    if (it == lane_of_m_.end() || !view.shown(i)) continue;
    // "V1 name" in bold 10px: about 6px a character. A label that would run past the end
    // column reads leftwards from its pin instead, so it does not widen the page.
    const int pin = cx(col_at(v.seq));
    const int len = 12 + static_cast<int>(std::string(verdict::verdict_name(v.kind)).size() + 3) * 6;
    const bool flip = pin - 3 + len > x(columns_ + 1) + 12 && pin - len > fit_.label_w;
    verdict_flip_.back() = flip;
    const int left = flip ? pin - len : pin - 3;
    const int right = flip ? pin + 4 : left + len;
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

void Layout::stack_lanes() {
  int y = kAxisH;
  for (auto& l : lanes_) {
    l.top = y;
    l.height = 4 + stripes() * kStripeH + 4 + kBoxH + 6 + l.rows * kRowH + (l.rows ? 4 : 0);
    y += l.height;
  }
}

}  // namespace nsleak::reports::timeline
