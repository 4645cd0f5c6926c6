#include "harness/scenario/call_graph.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

bool runs_function(const Op& op) { return op.kind == OpKind::Go || op.kind == OpKind::Call; }

// The go/call ops of a body in order, including those inside repeats.
void collect_edges(const std::vector<Op>& body, std::vector<const Op*>& out) {
  for (const Op& op : body) {
    if (runs_function(op)) out.push_back(&op);
    collect_edges(op.body, out);  // repeat's and until's
  }
}

std::vector<const Op*> edges_of(const std::vector<Op>& body) {
  std::vector<const Op*> out;
  collect_edges(body, out);
  return out;
}

// Depth-first from main without recursion (a chain of functions may be long). Returns the
// functions reachable from main, each after the functions it runs; throws on a cycle.
std::vector<std::string> reachable_callees_first(const Scenario& s) {
  struct Frame {
    std::string name;
    std::vector<const Op*> edges;
    std::size_t next = 0;
  };
  enum class Mark { Unseen, OnPath, Done };
  std::map<std::string, Mark> marks;
  std::vector<std::string> order;
  std::vector<Frame> path{Frame{"main", edges_of(s.main)}};
  while (!path.empty()) {
    if (path.back().next == path.back().edges.size()) {
      if (path.size() > 1) {  // the root is main's body, not a function
        marks[path.back().name] = Mark::Done;
        order.push_back(path.back().name);
      }
      path.pop_back();
      continue;
    }
    const Op& edge = *path.back().edges[path.back().next++];
    Mark& mark = marks[edge.name];
    if (mark == Mark::Done) continue;
    if (mark == Mark::OnPath) {
      std::string cycle;
      auto on_path = std::find_if(path.begin(), path.end(),
                                  [&](const Frame& f) { return f.name == edge.name; });
      for (; on_path != path.end(); ++on_path) cycle += on_path->name + " -> ";
      throw ParseError(edge.loc, "recursive call with no end: " + cycle + edge.name);
    }
    mark = Mark::OnPath;
    path.push_back(Frame{edge.name, edges_of(s.functions.at(edge.name))});
  }
  return order;
}

// Counts saturate just above the limit, so that nested repeats cannot overflow.
constexpr std::int64_t kSaturated = kMaxExpandedOps + 1;
std::int64_t sat_add(std::int64_t a, std::int64_t b) { return std::min(a + b, kSaturated); }
std::int64_t sat_mul(std::int64_t a, std::int64_t b) { return std::min(a * b, kSaturated); }

class ExpansionCounter {
 public:
  // `callees_first`: every function is counted after the functions it runs.
  ExpansionCounter(const Scenario& s, const std::vector<std::string>& callees_first) : s_(s) {
    for (const auto& name : callees_first) function_ops_[name] = body_ops(s.functions.at(name));
  }

  // Throws at the op of main where the count passes the limit, following a go/call into the
  // function when that function alone is over the limit.
  void check() const {
    const std::vector<Op>* body = &s_.main;
    while (const Op* op = first_op_over_limit(*body)) {
      if (!runs_function(*op) || function_ops_.at(op->name) <= kMaxExpandedOps)
        throw ParseError(op->loc, too_many_ops_message(*op));
      body = &s_.functions.at(op->name);
    }
  }

 private:
  std::int64_t op_ops(const Op& op) const {
    // until counts as its max passes (body and check): the bound on what it may expand to.
    if (op.kind == OpKind::Repeat) return sat_mul(op.n, body_ops(op.body));
    if (op.kind == OpKind::Until) return sat_mul(op.n, sat_add(body_ops(op.body), 1));  // + its check
    if (runs_function(op)) return sat_add(1, function_ops_.at(op.name));
    return 1;
  }

  std::int64_t body_ops(const std::vector<Op>& body) const {
    std::int64_t total = 0;
    for (const Op& op : body) total = sat_add(total, op_ops(op));
    return total;
  }

  const Op* first_op_over_limit(const std::vector<Op>& body) const {
    std::int64_t total = 0;
    for (const Op& op : body) {
      total = sat_add(total, op_ops(op));
      if (total > kMaxExpandedOps) return &op;
    }
    return nullptr;
  }

  static std::string too_many_ops_message(const Op& op) {
    std::string what = op_name(op.kind);
    if (runs_function(op)) what += " of " + quote(op.name);
    return "too many ops: with this " + what + " the scenario expands to more than " +
           std::to_string(kMaxExpandedOps) + " ops";
  }

  const Scenario& s_;
  std::map<std::string, std::int64_t> function_ops_;
};

}  // namespace

void check_call_graph(const Scenario& s) {
  const std::vector<std::string> callees_first = reachable_callees_first(s);
  ExpansionCounter(s, callees_first).check();
}

}  // namespace nsleak::scenario
