// The per-thread state kinds nsleak moves threads between and observes: ONE table, one row per
// kernel facility (state_kind.cpp). Every layer iterates the table; nothing names a kind except
// where the kind itself matters (exec probes report the network namespace, say).
//
// Adding a kind is adding its enumerator here and its row in state_kind.cpp; a kind whose
// reading or applying needs a new mechanism adds a ReadBy/ApplyBy value and its case in
// state_ops.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/os/state_value.hpp"

namespace nsleak::os {

enum class StateKind : std::uint8_t { Net, Uts, Ipc, Mnt, Cgroup, Time, Fs, Uid, Gid, Affinity, Nice };
inline constexpr std::array kAllKinds{StateKind::Net,    StateKind::Uts,  StateKind::Ipc, StateKind::Mnt,
                                      StateKind::Cgroup, StateKind::Time, StateKind::Fs,  StateKind::Uid,
                                      StateKind::Gid,    StateKind::Affinity, StateKind::Nice};  // in table order
inline constexpr std::size_t kStateKinds = kAllKinds.size();
inline constexpr unsigned kAllKindsMask = (1u << kStateKinds) - 1;  // bit index(kind) of each

// Whether a thread created by a thread (clone without the kind's CLONE_NEW* flag) gets a copy
// of its creator's value or shares one value with it: after unshare(CLONE_FS), threads
// created by that thread share its cwd, so the bookkeeping must be able to say "shared".
enum class Inheritance : std::uint8_t { Copies, Shares };
// How the value is read for a task: the (st_dev, st_ino) identity of the nsfs entry
// /proc/self/task/<tid>/<task_entry>. For the time namespace that entry is
// `ns/time_for_children`: unshare(CLONE_NEWTIME) never moves the calling thread, only what the
// processes it forks from then on start in (time_namespaces(7)), so that is the per-thread
// state a goroutine can leave behind.
// The cwd (`fs`) is read the same way through the task's `cwd` link: the directory's
// (st_dev, st_ino), never its path (a path can be renamed, or mean another directory in
// another mount namespace).
// The credentials, the affinity and the nice value are numbers, read from text the kernel
// writes per task: the `Uid:`/`Gid:` lines of `status` (real, effective, saved; state_value.hpp
// says how they are packed), its `Cpus_allowed_list:` line, and field 19 of `stat`.
enum class ReadBy : std::uint8_t { NsfsIdentity, DirIdentity, StatusIds, CpusAllowed, StatNice };
// How the value is changed on the calling thread: unshare(flag) makes a new one,
// setns(fd, flag) enters an open one; or (the fs struct) unshare(CLONE_FS) gives the thread its
// own and chdir(2) moves it.
// The numeric kinds are set on the calling thread only, by their own syscalls: setresuid(2),
// setresgid(2), sched_setaffinity(2), setpriority(2) (state_ops.hpp).
enum class ApplyBy : std::uint8_t { UnshareSetns, UnshareChdir, SetIds, SetAffinity, SetNice };
// What fault injection marks so that the sandbox's seccomp filter fails the call
// (fault_injection.hpp): the CSIGNAL bits of setns's nstype and of unshare's flags.
// The numeric kinds have no injectable faults (`fail` is an unshare/setns key).
enum class FaultMarker : std::uint8_t { NamespaceSyscalls, None };

struct StateKindInfo {
  StateKind kind;
  const char* name;        // the scenario's name ({"ns":"net"}), and the key in traces/reports
  int clone_flag;          // CLONE_NEWNET: the unshare/clone/setns flag
  const char* flag_name;   // "CLONE_NEWNET", for messages
  const char* task_entry;  // "ns/net", under a task's directory (/proc/<tid>/, state_ops.hpp)
  ReadBy read;
  ApplyBy apply;
  Inheritance on_clone;
  FaultMarker fault;
  const char* display;     // "network namespace", for people
  // Kinds not every kernel has: the nsfs entry under /proc/self/ns/ whose absence means "not
  // here" (nullptr when every supported kernel has the kind), and what would have it.
  const char* probe_entry;
  const char* needs;       // "Linux 5.6+ built with CONFIG_TIME_NS"
  int implied_flags;       // what the kernel also unshares with clone_flag: CLONE_NEWNS -> CLONE_FS
};

// Every row, in StateKind order.
std::span<const StateKindInfo> state_kinds();
const StateKindInfo& info(StateKind k);
constexpr std::size_t index(StateKind k) { return static_cast<std::size_t>(k); }
inline const char* kind_name(StateKind k) { return info(k).name; }
std::optional<StateKind> kind_from_name(std::string_view name);
// Why this kernel cannot run kind `k` ("" when it can), looking under `proc_ns_dir` (a test
// points it elsewhere). A scenario that uses such a kind is skipped with this reason.
std::string unavailable_reason(StateKind k, const char* proc_ns_dir = "/proc/self/ns");
// Why kind `k` cannot be exercised by a thread of *this* process as it is now set up ("" when
// it can): run in the sandbox child once its user namespace exists. uid/gid need a second id
// mapped to switch to (a user namespace may map one: `why_single` says why, from the sandbox's
// id maps); affinity needs a second CPU. `proc_self` is /proc/self (a test points it elsewhere).
std::string unavailable_here(StateKind k, const std::string& why_single = "", const char* proc_self = "/proc/self");
// The clone flags of every namespace kind this kernel has: what the sandbox unshares for a
// child. unshare(CLONE_NEWTIME) there gives the child's threads a private time namespace for
// the processes they fork; the child itself stays in its own (time_namespaces(7)).
int all_namespace_flags();
inline bool is_namespace(StateKind k) { return info(k).apply == ApplyBy::UnshareSetns; }
// Whether `unshare` takes the kind: the namespaces, and fs (unshare(CLONE_FS)).
inline bool can_unshare(StateKind k) {
  return info(k).apply == ApplyBy::UnshareSetns || info(k).apply == ApplyBy::UnshareChdir;
}
// Whether unshare of `k` also unshares `other` (unshare(CLONE_NEWNS) gives the thread its own fs).
inline bool unshare_implies(StateKind k, StateKind other) {
  return (info(k).implied_flags & info(other).clone_flag) != 0;
}
std::string all_namespace_flag_names();  // "CLONE_NEWNET|CLONE_NEWUTS", for messages

// One value per kind: the state a thread is in.
using StateSet = std::array<StateValue, kStateKinds>;

}  // namespace nsleak::os
