// The seccomp user-notification supervisor: runs on a thread of the parent (outside the
// filtered tree), receives every notified syscall of the sandboxed tree (notify_filter.hpp),
// snapshots every task of every process of the tree (/proc/<pid>/task/*: ns/*, cwd, status,
// stat: each kind of the state table) while the caller is stopped,
// and lets the call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE). A thread or process that
// vanishes between listing and reading is normal and simply absent from the snapshot.
#pragma once

#include <set>

#include "harness/observe/kernel_log.hpp"
#include "harness/sandbox/notify_filter.hpp"

namespace nsleak::observe {

// Every namespace kind this kernel has.
unsigned namespace_kinds_mask();
// The kinds `observe` reads: every row of the state table this kernel has, namespaces and the
// per-thread state (cwd, uid, gid, affinity, nice); each changes only by a notified call.
unsigned observed_kinds_mask();

class Supervisor {
 public:
  // `snapshots` false: record the calls only (the run-time audit, whose child's recorder reads
  // the states itself); each notification then costs one round trip and no /proc reads.
  explicit Supervisor(unsigned kinds_mask = observed_kinds_mask(), bool snapshots = true) : snapshots_(snapshots) {
    log_.kinds_mask = kinds_mask;
  }
  // The sandbox's hook: serves notifications until the tree is gone (the listener hangs up)
  // or, once the child has been reaped, for a short grace period; then closes the listener
  // (any later notified call of a straggler fails with ENOSYS instead of hanging).
  void operator()(const sandbox::Supervision& s);
  sandbox::Supervisor hook() { return [this](const sandbox::Supervision& s) { (*this)(s); }; }
  KernelLog& log() { return log_; }

 private:
  std::vector<TaskRow> snapshot();
  void discover_children();

  KernelLog log_;
  bool snapshots_ = true;
  std::set<pid_t> pids_;   // processes of the tree, live as of the last snapshot
  bool forks_pending_ = false;  // a process may have been created since the last scan
};

}  // namespace nsleak::observe
