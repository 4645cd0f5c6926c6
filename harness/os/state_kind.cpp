#include "harness/os/state_kind.hpp"

#include <sched.h>
#include <unistd.h>

#include <fstream>

namespace nsleak::os {
namespace {

constexpr StateKindInfo namespace_kind(StateKind k, const char* name, int flag, const char* flag_name,
                                       const char* entry, const char* display,
                                       const char* probe_entry = nullptr,
                                       const char* needs = nullptr, int implied_flags = 0) {
  // Every namespace is copied by clone: a new thread starts in its creator's namespaces.
  return {k, name, flag, flag_name, entry, ReadBy::NsfsIdentity, ApplyBy::UnshareSetns,
          Inheritance::Copies, FaultMarker::NamespaceSyscalls, display, probe_entry, needs, implied_flags};
}

// A kind whose value is a number the kernel prints per task, set by its own syscall on the
// calling thread and copied by clone (no CLONE_* flag: every clone copies it).
constexpr StateKindInfo numeric_kind(StateKind k, const char* name, const char* entry, ReadBy read,
                                     ApplyBy apply, const char* display) {
  return {k, name, 0, "", entry, read, apply, Inheritance::Copies, FaultMarker::None, display, nullptr, nullptr, 0};
}

constexpr std::array<StateKindInfo, kStateKinds> kTable{
    namespace_kind(StateKind::Net, "net", CLONE_NEWNET, "CLONE_NEWNET", "ns/net", "network namespace"),
    namespace_kind(StateKind::Uts, "uts", CLONE_NEWUTS, "CLONE_NEWUTS", "ns/uts", "UTS namespace"),
    namespace_kind(StateKind::Ipc, "ipc", CLONE_NEWIPC, "CLONE_NEWIPC", "ns/ipc", "IPC namespace"),
    // unshare(CLONE_NEWNS) also unshares the thread's fs struct (CLONE_FS): the kernel will
    // not give a thread a mount namespace its cwd-sharing siblings do not have.
    namespace_kind(StateKind::Mnt, "mnt", CLONE_NEWNS, "CLONE_NEWNS", "ns/mnt", "mount namespace", nullptr,
                   nullptr, CLONE_FS),
    namespace_kind(StateKind::Cgroup, "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP", "ns/cgroup",
                   "cgroup namespace"),
    // setns into a time namespace needs a single-threaded caller (EUSERS otherwise): a Go
    // program cannot restore it, only avoid leaving it behind.
    namespace_kind(StateKind::Time, "time", CLONE_NEWTIME, "CLONE_NEWTIME", "ns/time_for_children",
                   "time namespace (for children)", "time", "Linux 5.6+ built with CONFIG_TIME_NS"),
    // The cwd, in the thread's fs struct. Threads are created with CLONE_FS, so they SHARE it
    // with their creator: a chdir by any of them moves all of them, until unshare(CLONE_FS)
    // gives one its own (which the threads it creates then share).
    {StateKind::Fs, "fs", CLONE_FS, "CLONE_FS", "cwd", ReadBy::DirIdentity, ApplyBy::UnshareChdir,
     Inheritance::Shares, FaultMarker::NamespaceSyscalls, "working directory", nullptr, nullptr, 0},
    // Credentials are per thread in the kernel (each task has its own cred); clone copies the
    // creator's. Only libc and Go >= 1.16 make setuid() process-wide, by running it on every
    // thread (state_ops.hpp, runtime.hpp AllThreadsSyscall).
    numeric_kind(StateKind::Uid, "uid", "status", ReadBy::StatusIds, ApplyBy::SetIds, "user ids (real, effective, saved)"),
    numeric_kind(StateKind::Gid, "gid", "status", ReadBy::StatusIds, ApplyBy::SetIds, "group ids (real, effective, saved)"),
    // sched_setaffinity(2) with pid 0 sets the calling thread's mask; clone copies it.
    numeric_kind(StateKind::Affinity, "affinity", "status", ReadBy::CpusAllowed, ApplyBy::SetAffinity, "CPU affinity"),
    // The nice value is per thread on Linux (setpriority(2) BUGS: PRIO_PROCESS with a tid);
    // clone copies it.
    numeric_kind(StateKind::Nice, "nice", "stat", ReadBy::StatNice, ApplyBy::SetNice, "nice value"),
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

std::string unavailable_reason(StateKind k, const char* proc_ns_dir) {
  const StateKindInfo& row = info(k);
  if (k == StateKind::Affinity) {
    // The sandbox pins every thread to one CPU (its origin affinity); a scenario's
    // setaffinity can only be told apart from it when another CPU may be chosen.
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < 2)
      return "this process may run on one CPU only (sched_getaffinity): the sandbox's origin affinity and "
             "any setaffinity are the same set, so the state kind \"affinity\" cannot be exercised here";
    return "";
  }
  if (row.probe_entry == nullptr) return "";
  const std::string path = std::string(proc_ns_dir) + "/" + row.probe_entry;
  if (::access(path.c_str(), F_OK) == 0) return "";
  return std::string("this kernel has no ") + row.name + " namespaces (" + path + " is missing; " +
         row.needs + " has them): the state kind \"" + row.name + "\" cannot be exercised here";
}

namespace {

// How many ids /proc/<pid>/uid_map (or gid_map) maps: each line is "inside outside count".
unsigned long long mapped_ids(const std::string& path) {
  std::ifstream in(path);
  unsigned long long inside = 0, outside = 0, count = 0, total = 0;
  while (in >> inside >> outside >> count) total += count;
  return total;
}

}  // namespace

std::string unavailable_here(StateKind k, const std::string& why_single, const char* proc_self) {
  if (k != StateKind::Uid && k != StateKind::Gid) return "";
  const std::string map = std::string(proc_self) + (k == StateKind::Uid ? "/uid_map" : "/gid_map");
  if (mapped_ids(map) >= 2) return "";
  return std::string("the sandbox's user namespace maps a single ") + (k == StateKind::Uid ? "uid" : "gid") +
         " (" + map + ")" + (why_single.empty() ? "" : ": " + why_single) +
         "; no thread can switch to another id, so the state kind \"" + info(k).name +
         "\" cannot be exercised here (as root the sandbox maps 65536 ids; unprivileged it maps the "
         "user's /etc/subuid and /etc/subgid range through newuidmap/newgidmap)";
}

namespace {

bool sandbox_unshares(const StateKindInfo& row) {
  return row.apply == ApplyBy::UnshareSetns && unavailable_reason(row.kind).empty();
}

}  // namespace

int all_namespace_flags() {
  int flags = 0;
  for (const auto& row : kTable)
    if (sandbox_unshares(row)) flags |= row.clone_flag;
  return flags;
}

std::string all_namespace_flag_names() {
  std::string names;
  for (const auto& row : kTable)
    if (sandbox_unshares(row)) names += (names.empty() ? "" : "|") + std::string(row.flag_name);
  return names;
}

}  // namespace nsleak::os
