// Policy: the version-dependent rules of Go's runtime as named toggles
// (GO-SEMANTICS.md §Policies), plus prototype fixes.
//
// A preset reproduces one Go release line; a JSON file can start from a preset and flip
// toggles, so a user can prototype a runtime fix without writing C++:
//   {"name": "my-fix", "base": "go1.12", "toggles": {"strict_unlock": true}}
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runtime/bad_input.hpp"

namespace nsleak::rt {

struct Policy {
  std::string name = "go1.12";
  std::string description;

  // go1.10+ (#20458): nested counters lockedExt/lockedInt; go1.9: one bit, unlock unwires.
  bool nested_lock_count = true;
  // go1.10+ (#20395): a G that exits locked takes its thread with it (mexit); on M0 the
  // thread is wedged. go1.9: the lock is dropped and the dirty thread returns to the pool.
  bool locked_exit_kills_thread = true;
  // go1.10+ (#20676): newm on a thread with lockedExt != 0 asks the template thread to clone.
  // go1.9: every newm clones the calling thread.
  bool template_thread = true;
  // go1.10 - 1.11.5 (#28979): goexit0 zeroes lockedExt before mexit, so mexit's handoffp can
  // clone a new M from the dying thread.
  bool clear_locked_ext_on_goexit = false;
  // go1.16+: syscall.Setuid, Setgid & co. go through runtime.AllThreadsSyscall — the call runs
  // on the calling thread, then on every other M (locked, wedged, sysmon, template) — so the
  // whole process changes; differing results are a fatal error. Before: the calling thread only.
  bool all_threads_syscall = false;

  // Prototype fixes (not in any Go release).
  // strict-unlock: an unlock that leaves the thread in a different state than at lock time
  // kills the thread (the article's "otherwise let the thread die").
  bool strict_unlock = false;
  // inherit-spawn (#70993, LockOSThreadRecursive): a G spawned by a locked G runs locked on a
  // new thread cloned from the spawner's thread, so it starts in the same state.
  bool inherit_spawn = false;
  // forbid-spawn: `go` from a locked G is a fatal error (CNI's "be single-goroutine").
  bool forbid_spawn = false;
  // restore-or-die (CNI ns.Do): an unlock after a failed restore is skipped, so the thread
  // stays locked and dies with its goroutine.
  bool restore_or_die = false;
};

// The presets, in the order `nsleak list` shows them.
const std::vector<Policy>& policy_presets();
std::vector<std::string> policy_names();
// A preset by name; nullptr for any other name. Policy *files* are read by the scenario layer
// (harness/scenario/policy_file.hpp), which gives their errors file:line:col like a scenario's.
const Policy* find_policy_preset(std::string_view name);
// A preset by name; throws PolicyError naming the presets for any other name.
Policy preset_policy(std::string_view name);
// Toggle names and values, for reports.
std::vector<std::pair<std::string, bool>> policy_toggles(const Policy& p);
// The toggle called `name` in `p`, or nullptr when there is none (for policy files).
bool* policy_toggle(Policy& p, std::string_view name);

struct PolicyError : BadInput {
  using BadInput::BadInput;
};

}  // namespace nsleak::rt
