#include "harness/runtime/threads.hpp"

#include "harness/runtime/sched.hpp"

namespace nsleak::rt {

std::string m_label(std::int64_t id) { return "m" + std::to_string(id); }

namespace {
MSnapshot copy(const M& m) { return {m.id, m.tid, m.role, m.exited(), m.joined, m.ns, m.share}; }
}  // namespace

void allm_snapshot(std::vector<MSnapshot>& out) {
  out.clear();
  for (const auto& m : sched().allm) out.push_back(copy(*m));
}

MSnapshot current_m_snapshot() { return copy(*getm()); }

pid_t current_tid() { return getm()->tid; }
const std::string& current_gname() { return getg()->name; }
bool current_m_lockedg() { return getm()->lockedg != nullptr; }

}  // namespace nsleak::rt
