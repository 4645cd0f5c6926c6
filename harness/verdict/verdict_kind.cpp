#include "harness/verdict/verdict_kind.hpp"

#include <array>

namespace nsleak::verdict {
namespace {

struct Entry {
  VerdictKind kind;
  const char* name;
  const char* meaning;
  bool leak;
};

constexpr std::array<Entry, 10> kEntries{{
    {VerdictKind::PoisonedThread, "poisoned-thread",
     "an M became available to other goroutines while its namespace differs from origin", true},
    {VerdictKind::PoisonedMain, "poisoned-main",
     "M0 or the main goroutine ends up in a namespace other than origin", true},
    {VerdictKind::StaleBelief, "stale-belief",
     "a goroutine observed a namespace different from the one its author believes it is in", true},
    {VerdictKind::LostInheritance, "lost-inheritance",
     "a goroutine spawned from a locked goroutine in X was expected to run in X but ran outside", true},
    {VerdictKind::InheritedClone, "inherited-clone",
     "a new M started life in a non-origin namespace because it was cloned from a dirty thread", true},
    {VerdictKind::WedgedM0, "wedged-m0",
     "M0 parked forever, keeping its namespace (informational)", false},
    {VerdictKind::ThreadExited, "thread-exited",
     "a thread in a non-origin namespace terminated instead of returning to the pool "
     "(informational)", false},
    {VerdictKind::ExecInherited, "exec-inherited",
     "a process started by exec inherited its calling thread's non-origin namespace", false},
    {VerdictKind::DirtyAtExit, "dirty-at-exit",
     "a thread other than the main one was still in a non-origin namespace when the program exited "
     "(nsleak observe; namspill's check)", true},
    // A leak, so that it fails a run unless the scenario expects it: the program's own check
    // failed (Go's testprog prints "sub thread still running"), and what outlives the loop is
    // a thread the program meant to be gone (go1.9 returns a locked thread to the pool).
    {VerdictKind::UntilMax, "until-max",
     "an until ran its max passes and the thread its thread_gone names had still not exited", true},
}};

}  // namespace

const char* verdict_name(VerdictKind k) { return kEntries[static_cast<size_t>(k)].name; }
const char* verdict_meaning(VerdictKind k) { return kEntries[static_cast<size_t>(k)].meaning; }
bool verdict_is_leak(VerdictKind k) { return kEntries[static_cast<size_t>(k)].leak; }

std::optional<VerdictKind> verdict_from_name(const std::string& name) {
  for (const auto& e : kEntries)
    if (name == e.name) return e.kind;
  return std::nullopt;
}

const std::vector<std::string>& verdict_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : kEntries) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

}  // namespace nsleak::verdict
