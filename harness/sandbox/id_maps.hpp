// The uid/gid maps of the sandbox's user namespace.
//
// Unprivileged, a process may map exactly one id: its own (user_namespaces(7), "Defining user
// and group ID mappings"), so every thread inside is uid 0 and none can switch to another.
// A process with CAP_SETUID/CAP_SETGID in the *parent* namespace may write any map, but only
// from outside the new namespace: that is why newuidmap(1) is a separate setuid program. So
// the sandbox forks a helper before the unshare, which stays outside and, once the child has
// unshared, writes the maps:
// - as root, a 65536-id identity map (ids inside = ids outside, so /proc reads the same from
//   both sides);
// - unprivileged, the rootless-container map through newuidmap/newgidmap: the caller's own id
//   to 0 and the user's /etc/subuid (subgid) range to 1..N (subordinate_ids.hpp).
// Without either (no uidmap package, no range, or a root without CAP_SETUID over its namespace)
// the child maps its own id only, and the uid and gid state kinds are skipped with
// single_id_reason() (os::unavailable_here).
#pragma once

#include <sys/types.h>

#include <string>

namespace nsleak::sandbox {

class IdMapHelper {
 public:
  // Forks the helper when the caller is root (euid 0) in its current user namespace, or has a
  // subordinate map to write (plan_subordinate_map); otherwise write() maps a single id.
  IdMapHelper();
  ~IdMapHelper();
  IdMapHelper(const IdMapHelper&) = delete;
  IdMapHelper& operator=(const IdMapHelper&) = delete;

  // After unshare(CLONE_NEWUSER): the maps, by the helper (multi-id) or, without one or if it
  // failed, by the caller itself (single id: 0 -> `uid`/`gid`, with setgroups denied; the
  // reason is then single_id_reason()). `err` names the failing write.
  bool write(uid_t uid, gid_t gid, std::string& err);

 private:
  pid_t pid_ = -1;
  int go_ = -1;      // the helper waits for one byte here
  int result_ = -1;  // and answers with its error text (nothing on success)
  std::string why_single_;  // no helper: why
};

// Why this process's user namespace maps a single uid and gid ("" when the sandbox wrote a
// range, or made no user namespace): set by IdMapHelper::write in the sandbox child, read by
// the run's body (a zygote's forks inherit it).
const std::string& single_id_reason();

}  // namespace nsleak::sandbox
