#include "reports/html/compare.hpp"

#include <map>
#include <string>
#include <tuple>

#include "reports/go_call.hpp"
#include "reports/html/markup.hpp"

namespace nsleak::reports::timeline {
namespace {

// An op of the program, the same in every run of it: the goroutine (go-order numbers them the
// same under every policy), the op, and which time this goroutine ran it (loops repeat ops).
using Key = std::tuple<trace::GoId, std::uint32_t, int>;

struct Cell {
  trace::MId m = trace::kNoM;
  std::string where;  // "m3 · newNs"
  std::string fill;   // the first kind's namespace colour in that run
  std::string sort;   // what must agree across policies: main thread or not, and the names
};

}  // namespace

void compare_table(std::ostringstream& os, const std::vector<ComparedRun>& runs) {
  std::vector<std::pair<Key, std::size_t>> rows;  // in order of first appearance, with that run
  std::map<Key, std::vector<Cell>> cells;
  for (std::size_t c = 0; c < runs.size(); ++c) {
    const RunView& v = *runs[c].view;
    if (v.large || v.kinds.empty()) return;
    std::map<std::pair<trace::GoId, std::uint32_t>, int> seen;
    for (const auto& ev : v.r.record.events) {
      const auto* op = ev.as<trace::Op>();
      if (op == nullptr) continue;
      const Key key{op->g, op->op, seen[{op->g, op->op}]++};
      auto& row = cells[key];
      if (row.empty()) rows.emplace_back(key, c), row.resize(runs.size());
      const verdict::StateSet now = state_of(ev.states, false);
      std::string names;
      for (const auto k : v.kinds) {
        const std::string n = now.has(k) ? v.ns.name(now.value[k]) : "";
        names += (names.empty() ? "" : " / ") + (n.empty() ? (now.has(k) ? kernel_id(k, now.value[k]) : "?") : n);
      }
      row[c] = Cell{static_cast<trace::MId>(op->m), "m" + std::to_string(op->m) + " \xC2\xB7 " + names,
                    now.has(v.kinds.front()) ? runs[c].ns->fill(now.value[v.kinds.front()]) : "#ffffff",
                    (op->m == 0 ? "m0 " : "other ") + names};
    }
  }
  if (rows.empty()) return;
  os << "<table class=\"compare-ops\"><thead><tr><th>goroutine</th><th>Go</th>";
  for (const auto& r : runs) os << "<th>" << esc(r.view->r.policy) << "</th>";
  os << "</tr></thead><tbody>\n";
  for (const auto& [key, from] : rows) {
    const RunView& first = *runs[from].view;
    const auto& row = cells[key];
    bool differs = false;
    for (const auto& c : row) differs = differs || c.m == trace::kNoM || c.sort != row.front().sort;
    const auto g = std::get<0>(key);
    const scenario::Op* o = first.names.op(std::get<1>(key));
    os << "<tr" << (differs ? " class=\"differs\"" : "") << "><td>g" << g << " " << esc(first.names.fn(g))
       << "</td><td><code>" << esc(o != nullptr ? go_statement(*o) : first.names.op_name(std::get<1>(key)))
       << "</code></td>";
    for (const auto& c : row)
      if (c.m == trace::kNoM) os << "<td class=\"absent\">not run</td>";
      else os << "<td style=\"background:" << c.fill << "\">" << esc(c.where) << "</td>";
    os << "</tr>\n";
  }
  os << "</tbody></table>\n";
}

}  // namespace nsleak::reports::timeline
