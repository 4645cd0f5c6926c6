// Real Go against the model, for one scenario: every class real Go showed must be reachable in
// the model, and the class real Go showed most often must be go-order's (the schedule the model
// calls Go's own). Pure: synthetic observables in, rows and a verdict out.
#pragma once

#include <string>
#include <vector>

#include "harness/conform/observable.hpp"

namespace nsleak::conform {

struct ClassRow {
  Observable cls;
  long go_count = 0;       // real Go runs that showed it
  bool reachable = false;  // some model schedule showed it
  bool go_order = false;   // the model's go-order schedule shows it
};

struct Comparison {
  std::vector<ClassRow> rows;         // by real-Go count, most first; go-order's row always present
  std::vector<std::string> problems;  // one sentence per disagreement; empty: agreement
  long model_classes = 0;             // distinct classes the model's schedules (go-order included) showed
  bool agrees() const { return problems.empty(); }
};

// `real`: one observable per real Go run; `reached`: what model schedules showed (any order,
// repeats allowed); `go_order`: the go-order schedule's.
Comparison compare(const std::vector<Observable>& real, const std::vector<Observable>& reached, const Observable& go_order);

}  // namespace nsleak::conform
