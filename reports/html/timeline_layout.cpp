#include "reports/html/timeline_layout.hpp"

#include <set>

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

Layout::Layout(const RunView& v) : kinds_(v.kinds) {
  const auto& r = v.r;
  std::set<long> vseqs;
  for (const auto& v : r.analysis.verdicts) vseqs.insert(v.seq);
  for (const auto& ev : r.record.events)
    if (is_step(ev, vseqs)) cols_.push_back(&ev);
  std::stable_sort(cols_.begin(), cols_.end(),
                   [](const trace::Event* a, const trace::Event* b) { return a->seq < b->seq; });
  for (const auto& t : r.analysis.threads) {
    lane_of_m_[t.m] = lanes_.size();
    lanes_.push_back(Lane{&t});
  }
  place_lane_ends();
  place_verdicts(r);
  stack_lanes();
}

std::size_t Layout::col_at(long seq) const {
  if (seq < 0) return cols_.size();
  return std::lower_bound(cols_.begin(), cols_.end(), seq,
                          [](const trace::Event* ev, long s) { return ev->seq < s; }) -
         cols_.begin();
}

const Lane* Layout::lane(long m) const {
  auto it = lane_of_m_.find(m);
  return it == lane_of_m_.end() ? nullptr : &lanes_[it->second];
}

void Layout::place_lane_ends() {
  for (auto& l : lanes_) l.start_x = kLabelW, l.end_x = x(cols_.size() + 1) - 6;
  for (std::size_t c = 0; c < cols_.size(); ++c) {
    const trace::Event& ev = *cols_[c];
    const auto it = lane_of_m_.find(m_of(ev));
    if (it == lane_of_m_.end()) continue;
    Lane& l = lanes_[it->second];
    if (ev.is<trace::NewM>()) l.start_x = x(c) + kArrowDx;
    if (ev.is<trace::MExit>()) l.end_x = cx(c);
    if (ev.is<trace::Wedge>()) l.wedged_x = cx(c);
  }
}

void Layout::place_verdicts(const runner::RunReport& r) {
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

void Layout::stack_lanes() {
  int y = kAxisH;
  for (auto& l : lanes_) {
    l.top = y;
    l.height = 4 + stripes() * kStripeH + 4 + kBoxH + 6 + l.rows * kRowH + (l.rows ? 4 : 0);
    y += l.height;
  }
}

}  // namespace nsleak::reports::timeline
