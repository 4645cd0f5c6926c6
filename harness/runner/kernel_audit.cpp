#include "harness/runner/kernel_audit.hpp"

#include <linux/sched.h>

#include <map>
#include <tuple>

#include "harness/scenario/ids.hpp"

namespace nsleak::runner {
namespace {

using observe::Call;

// What is counted, per calling thread: its unshare and setns calls, and the threads it cloned.
enum class What { Unshare, Setns, ThreadClone };
const char* what_name(What w) { return w == What::Unshare ? "unshare" : w == What::Setns ? "setns" : "thread clone"; }
using Key = std::pair<std::int32_t, What>;  // (tid, what)

constexpr sandbox::NotifiedCalls bit(Call c) { return sandbox::NotifiedCalls{1} << static_cast<unsigned>(c); }

}  // namespace

sandbox::NotifiedCalls audited_calls() { return bit(Call::Unshare) | bit(Call::Setns) | bit(Call::Clone) | bit(Call::Clone3); }

std::vector<std::string> audit_kernel_calls(const observe::KernelLog& kernel, const std::vector<trace::Event>& events,
                                            const scenario::Scenario& sc) {
  std::map<Key, int> seen, logged;
  std::map<Key, std::string> where;  // an example from the trace, for the message
  for (const auto& ev : kernel.events) {
    if (ev.call == Call::Unshare) ++seen[{ev.tid, What::Unshare}];
    if (ev.call == Call::Setns) ++seen[{ev.tid, What::Setns}];
    // Unknown clone3 flags count as a thread: posix_spawn's clone is CLONE_VM|CLONE_VFORK and
    // always readable, so this cannot hide a spawn.
    if ((ev.call == Call::Clone || ev.call == Call::Clone3) && (!ev.flags || (*ev.flags & CLONE_THREAD)))
      ++seen[{ev.tid, What::ThreadClone}];
  }
  const scenario::Ids ids(sc);
  for (const auto& ev : events) {
    if (const auto* m = ev.as<trace::NewM>()) {
      ++logged[{m->from_tid, What::ThreadClone}];
      where[{m->from_tid, What::ThreadClone}] = "newm of m" + std::to_string(m->m);
    }
    const auto* op = ev.as<trace::Op>();
    if (op == nullptr || op->result != trace::OpResult::Ok) continue;
    const scenario::Op* o = ids.op(op->op);
    if (o == nullptr) continue;
    std::optional<What> w;
    if (o->kind == scenario::OpKind::Unshare) w = What::Unshare;
    if (o->kind == scenario::OpKind::Setns) w = What::Setns;
    if (!w) continue;
    ++logged[{op->tid, *w}];
    where[{op->tid, *w}] = o->label;
  }
  std::vector<std::string> out;
  auto tid_text = [](std::int32_t tid) { return "tid " + std::to_string(tid); };
  for (const auto& [key, n] : logged) {
    const int k = seen.count(key) ? seen.at(key) : 0;
    if (k < n)
      out.push_back("the kernel saw " + std::to_string(k) + " " + what_name(key.second) + " by " + tid_text(key.first) +
                    ", the trace logs " + std::to_string(n) + " (e.g. " + where[key] + ")");
  }
  for (const auto& [key, k] : seen) {
    const int n = logged.count(key) ? logged.at(key) : 0;
    if (n < k)
      out.push_back("the kernel saw " + std::to_string(k) + " " + what_name(key.second) + " by " + tid_text(key.first) +
                    " that the trace does not log (" + std::to_string(n) + " logged)");
  }
  return out;
}

}  // namespace nsleak::runner
