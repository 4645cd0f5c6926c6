#include "harness/os/state_kind.hpp"

#include <sched.h>

namespace nsleak::os {
namespace {

constexpr StateKindInfo namespace_kind(StateKind k, const char* name, int flag, const char* flag_name,
                                       const char* entry, const char* display) {
  // Every namespace is copied by clone: a new thread starts in its creator's namespaces.
  return {k, name, flag, flag_name, entry, ReadBy::NsfsIdentity, ApplyBy::UnshareSetns,
          Inheritance::Copies, FaultMarker::NamespaceSyscalls, display};
}

constexpr std::array<StateKindInfo, kStateKinds> kTable{
    namespace_kind(StateKind::Net, "net", CLONE_NEWNET, "CLONE_NEWNET", "ns/net", "network namespace"),
    namespace_kind(StateKind::Uts, "uts", CLONE_NEWUTS, "CLONE_NEWUTS", "ns/uts", "UTS namespace"),
    namespace_kind(StateKind::Ipc, "ipc", CLONE_NEWIPC, "CLONE_NEWIPC", "ns/ipc", "IPC namespace"),
};

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (index(kTable[i].kind) != i || kAllKinds[i] != kTable[i].kind) return false;
  return true;
}
static_assert(rows_in_order(), "one row per StateKind, in enum order");

}  // namespace

std::span<const StateKindInfo> state_kinds() { return kTable; }
const StateKindInfo& info(StateKind k) { return kTable[index(k)]; }

std::optional<StateKind> kind_from_name(std::string_view name) {
  for (const auto& row : kTable)
    if (name == row.name) return row.kind;
  return std::nullopt;
}

int all_namespace_flags() {
  int flags = 0;
  for (const auto& row : kTable)
    if (row.apply == ApplyBy::UnshareSetns) flags |= row.clone_flag;
  return flags;
}

std::string all_namespace_flag_names() {
  std::string names;
  for (const auto& row : kTable)
    if (row.apply == ApplyBy::UnshareSetns) names += (names.empty() ? "" : "|") + std::string(row.flag_name);
  return names;
}

}  // namespace nsleak::os
