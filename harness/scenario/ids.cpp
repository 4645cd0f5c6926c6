#include "harness/scenario/ids.hpp"

#include <algorithm>
#include <functional>

namespace nsleak::scenario {
namespace {

// Ops in id order: main, then each function in name order (std::map's order), depth first.
void walk(const Scenario& sc, const std::function<void(const Op&)>& f) {
  std::function<void(const std::vector<Op>&)> ops = [&](const std::vector<Op>& v) {
    for (const auto& op : v) {
      f(op);
      ops(op.body);
    }
  };
  ops(sc.main);
  for (const auto& [name, body] : sc.functions) ops(body);
}

bool names_object(OpKind k) {
  return k == OpKind::Send || k == OpKind::Recv || k == OpKind::Close || k == OpKind::WgAdd ||
         k == OpKind::WgDone || k == OpKind::WgWait;
}

std::uint32_t position(const std::vector<std::string>& sorted, const std::string& name) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), name);
  return it != sorted.end() && *it == name ? static_cast<std::uint32_t>(it - sorted.begin()) + 1 : 0;
}

}  // namespace

void assign_ids(Scenario& sc) {
  std::uint32_t next = 1;
  std::function<void(std::vector<Op>&)> ops = [&](std::vector<Op>& v) {
    for (auto& op : v) {
      op.id = next++;
      ops(op.body);
    }
  };
  ops(sc.main);
  for (auto& [name, body] : sc.functions) ops(body);
}

Ids::Ids(const Scenario& sc) {
  ops_.push_back(nullptr);
  walk(sc, [&](const Op& op) {
    if (op.id >= ops_.size()) ops_.resize(op.id + 1, nullptr);
    ops_[op.id] = &op;
    if (names_object(op.kind)) objects_.push_back(op.name);
  });
  for (const auto& [name, body] : sc.functions) functions_.push_back(name);
  std::sort(objects_.begin(), objects_.end());
  objects_.erase(std::unique(objects_.begin(), objects_.end()), objects_.end());
}

const Op* Ids::op(std::uint32_t id) const { return id < ops_.size() ? ops_[id] : nullptr; }

std::uint32_t Ids::function_id(const std::string& name) const {
  return name == kExecCopier ? exec_copier_id() : position(functions_, name);
}

std::string Ids::function_name(std::uint32_t id) const {
  if (id == 0) return "main";
  if (id == exec_copier_id()) return kExecCopier;
  return id <= functions_.size() ? functions_[id - 1] : "?";
}

std::uint32_t Ids::object_id(const std::string& name) const { return position(objects_, name); }

std::string Ids::object_name(std::uint32_t id) const {
  return id >= 1 && id <= objects_.size() ? objects_[id - 1] : std::string();
}

}  // namespace nsleak::scenario
