#include "harness/conform/compare.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace nsleak::conform {

Comparison compare(const std::vector<Observable>& real, const std::vector<Observable>& reached, const Observable& go_order) {
  std::set<std::string> reachable{go_order.key()};
  for (const auto& o : reached) reachable.insert(o.key());
  std::map<std::string, ClassRow> by_key;
  std::vector<std::string> order;  // first seen first: a stable order among equal counts
  auto row = [&](const Observable& o) -> ClassRow& {
    auto [it, fresh] = by_key.try_emplace(o.key());
    if (fresh) {
      it->second.cls = o;
      it->second.reachable = reachable.count(o.key()) > 0;
      it->second.go_order = o.key() == go_order.key();
      order.push_back(o.key());
    }
    return it->second;
  };
  for (const auto& o : real) ++row(o).go_count;
  row(go_order);
  Comparison c;
  c.model_classes = static_cast<long>(reachable.size());
  for (const auto& k : order) c.rows.push_back(by_key[k]);
  std::stable_sort(c.rows.begin(), c.rows.end(), [](const ClassRow& a, const ClassRow& b) { return a.go_count > b.go_count; });
  for (const auto& r : c.rows)
    if (r.go_count > 0 && !r.reachable)
      c.problems.push_back("real Go showed a class no model schedule reached (" + std::to_string(r.go_count) +
                           " runs): " + r.cls.text());
  const long most = c.rows.empty() ? 0 : c.rows.front().go_count;
  // A tie for most frequent agrees when go-order's class is among the tied.
  const bool go_order_most = std::any_of(c.rows.begin(), c.rows.end(), [&](const ClassRow& r) { return r.go_order && r.go_count == most; });
  if (most > 0 && !go_order_most)
    c.problems.push_back("real Go's most frequent class (" + std::to_string(most) + " of " + std::to_string(real.size()) +
                         " runs) is not go-order's: " + c.rows.front().cls.text());
  return c;
}

}  // namespace nsleak::conform
