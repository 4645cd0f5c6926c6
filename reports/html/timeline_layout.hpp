// Layout of the timeline page. x is step order, not time, so a burst of ops in a microsecond is
// as readable as a sleep. The step axis is compressed: consecutive steps on different lanes
// share a column unless one must be seen to come first (a clone, a process-wide mark, a
// goroutine's first step after the `go` that made it), and the column width shrinks so the
// article fits a 1400-px window. A final "end" column holds what the run's end revealed
// (poisoned-main has no event of its own).
#pragma once

#include "reports/html/run_view.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports::timeline {

constexpr int kLabelW = 190;  // lane labels
constexpr int kColWMax = 112;  // room for "runtime.LockOSThread()" on two lines
constexpr int kColWMin = 60;   // below this a box label is unreadable: the timeline scrolls
constexpr int kFitW = 1330;    // the SVG's width budget: a 1400-px window less the page margins
constexpr int kAxisH = 30;
constexpr int kStripeH = 6;
constexpr int kBoxH = 40;  // three lines: "g1 main", then the Go statement on two
constexpr int kRowH = 13;  // one row of verdict labels
constexpr int kArrowDx = 14;  // a clone arrow's x within its column: left, so its label fits
constexpr int kMaxVerdictRows = 3;
constexpr std::size_t kFoldMin = 4;  // a shorter stretch of quiet steps is drawn as it is

// The trace events that end, start or mark a thread's lane.
bool is_thread_event(const trace::Event& ev);
// The M an event is about (kNoM for none), and its thread's tid (0 when the event names none).
trace::MId m_of(const trace::Event& ev);
std::int32_t tid_of(const trace::Event& ev);

// The room a run's timeline has: alone, a 1400-px window; side by side with the same scenario
// under other policies (--policy all), its share of it, with shorter lane labels.
struct Fit {
  int width = kFitW;
  int label_w = kLabelW;
};

struct Lane {
  const verdict::ThreadInfo* thread;
  int top = 0, height = 0;
  int start_x = 0, end_x = 0;  // where the thread exists
  int wedged_x = -1;           // from here M0 is parked forever
  int rows = 0;                // verdict label rows
};

class Layout {
 public:
  explicit Layout(const RunView& v, Fit fit = {});

  std::size_t steps() const { return steps_.size(); }
  const trace::Event& step(std::size_t i) const { return *steps_[i]; }
  std::size_t col(std::size_t i) const { return col_of_[i]; }
  std::size_t columns() const { return columns_; }  // the end column is columns()
  int col_w() const { return col_w_; }
  int label_w() const { return fit_.label_w; }
  int x(std::size_t col) const { return fit_.label_w + static_cast<int>(col) * col_w_; }
  int cx(std::size_t col) const { return x(col) + col_w_ / 2; }
  int width() const { return std::max(x(columns_ + 1) + 12, right_max_ + 8); }
  int height() const { return lanes_.empty() ? kAxisH : lanes_.back().top + lanes_.back().height + 8; }
  // The column of the step with this seq, or of the first step after it; seq < 0 (or past the
  // last step): the end column.
  std::size_t col_at(long seq) const;
  const std::vector<Lane>& lanes() const { return lanes_; }
  bool observed() const { return observed_; }  // a real program under observe: lanes are tids
  const Lane* lane(long m) const;
  // One stripe per observed kind, in table order.
  const std::vector<trace::KindIndex>& kinds() const { return kinds_; }
  int stripes() const { return static_cast<int>(kinds_.size()); }
  int stripe_y(const Lane& l, int i) const { return l.top + 4 + i * kStripeH; }
  int box_y(const Lane& l) const { return stripe_y(l, stripes()) + 4; }
  int box_mid(const Lane& l) const { return box_y(l) + kBoxH / 2; }
  int verdict_y(const Lane& l) const { return box_y(l) + kBoxH + 4; }
  int verdict_row(std::size_t i) const { return verdict_rows_.at(i); }
  // The step is folded into its column's collapsed group (large runs only).
  bool quiet(std::size_t i) const { return quiet_[i]; }
  bool verdict_flipped(std::size_t i) const { return verdict_flip_.at(i); }  // label left of its pin

 private:
  // Steps into columns, and the column width.
  void pack();
  // Threads are born at their newm arrow, die at their mexit; M0 wedges but stays.
  void place_lane_ends();
  // Verdict labels sit under their lane's boxes, in as few rows as keep them from overlapping.
  void place_verdicts(const RunView& view);
  // Large runs: which steps fold (quiet_), stretches of at least kFoldMin.
  void mark_quiet(const RunView& v, const std::set<long>& verdict_seqs);
  void stack_lanes();

  Fit fit_;
  bool observed_ = false;
  std::vector<trace::KindIndex> kinds_;
  std::vector<const trace::Event*> steps_;  // in seq order
  std::vector<std::size_t> col_of_;          // per step
  std::vector<bool> quiet_;                  // per step
  std::size_t columns_ = 0;
  int col_w_ = kColWMax;
  std::vector<Lane> lanes_;
  std::map<long, std::size_t> lane_of_m_;
  std::vector<int> verdict_rows_;
  std::vector<bool> verdict_flip_;
  int right_max_ = 0;  // of the verdict labels, which may run past the end column
};

}  // namespace nsleak::reports::timeline
