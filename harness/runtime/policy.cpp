#include "harness/runtime/policy.hpp"

#include <sstream>

namespace nsleak::rt {
namespace {

Policy go19() {
  Policy p;
  p.name = "go1.9";
  p.description = "Go 1.9 and earlier: one-bit lock, locked exit returns the thread to the pool, "
                  "every new M is cloned from the calling thread";
  p.nested_lock_count = false;
  p.locked_exit_kills_thread = false;
  p.template_thread = false;
  return p;
}

Policy go110() {
  Policy p;
  p.name = "go1.10";
  p.description = "Go 1.10 - 1.11.5: nested lock counts, locked exit kills the thread, template "
                  "thread; with bug #28979 (a clone from the dying thread)";
  p.clear_locked_ext_on_goexit = true;
  return p;
}

Policy go112() {
  Policy p;
  p.name = "go1.12";
  p.description = "Go 1.12+ (and 1.11.6+): current behaviour, #28979 fixed";
  return p;
}

Policy go116() {
  Policy p = go112();
  p.name = "go1.16";
  p.description = "Go 1.16+: go1.12 plus AllThreadsSyscall: syscall.Setuid/Setgid change every thread "
                  "(locked and wedged ones too); a raw per-thread setresuid still changes one";
  p.all_threads_syscall = true;
  return p;
}

Policy prototype(const char* name, const char* description, bool Policy::*toggle) {
  Policy p = go112();
  p.name = name;
  p.description = description;
  p.*toggle = true;
  return p;
}

using Toggle = std::pair<const char*, bool Policy::*>;
const std::vector<Toggle>& toggle_table() {
  static const std::vector<Toggle> t{
      {"nested_lock_count", &Policy::nested_lock_count},
      {"locked_exit_kills_thread", &Policy::locked_exit_kills_thread},
      {"template_thread", &Policy::template_thread},
      {"clear_locked_ext_on_goexit", &Policy::clear_locked_ext_on_goexit},
      {"all_threads_syscall", &Policy::all_threads_syscall},
      {"strict_unlock", &Policy::strict_unlock},
      {"inherit_spawn", &Policy::inherit_spawn},
      {"forbid_spawn", &Policy::forbid_spawn},
      {"restore_or_die", &Policy::restore_or_die},
  };
  return t;
}

}  // namespace

const std::vector<Policy>& policy_presets() {
  static const std::vector<Policy> presets{
      go19(), go110(), go112(), go116(),
      prototype("strict-unlock",
                "go1.12 + unlock kills a thread whose state differs from when it was locked",
                &Policy::strict_unlock),
      prototype("inherit-spawn",
                "go1.12 + children of a locked goroutine run locked on a clone of its thread",
                &Policy::inherit_spawn),
      prototype("forbid-spawn", "go1.12 + `go` from a locked goroutine is a fatal error",
                &Policy::forbid_spawn),
      prototype("restore-or-die",
                "go1.12 + unlock after a failed restore is skipped (CNI's ns.Do)",
                &Policy::restore_or_die),
  };
  return presets;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> v;
  for (const auto& p : policy_presets()) v.push_back(p.name);
  return v;
}

const Policy* find_policy_preset(std::string_view name) {
  for (const auto& p : policy_presets())
    if (p.name == name) return &p;
  return nullptr;
}

Policy preset_policy(std::string_view name) {
  if (const Policy* p = find_policy_preset(name)) return *p;
  std::ostringstream os;
  os << "unknown policy \"" << name << "\" (known:";
  for (const auto& n : policy_names()) os << ' ' << n;
  os << "; or a path to a JSON policy file)";
  throw PolicyError(os.str());
}

std::vector<std::pair<std::string, bool>> policy_toggles(const Policy& p) {
  std::vector<std::pair<std::string, bool>> v;
  for (const auto& [name, member] : toggle_table()) v.emplace_back(name, p.*member);
  return v;
}

bool* policy_toggle(Policy& p, std::string_view name) {
  for (const auto& [tname, member] : toggle_table())
    if (name == tname) return &(p.*member);
  return nullptr;
}

}  // namespace nsleak::rt
