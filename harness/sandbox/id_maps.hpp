// The uid/gid maps of the sandbox's user namespace.
//
// Unprivileged, a process may map exactly one id: its own (user_namespaces(7), "Defining user
// and group ID mappings"), so every thread inside is uid 0 and none can switch to another —
// the uid and gid state kinds are then skipped (os::unavailable_here). A process with
// CAP_SETUID/CAP_SETGID in the *parent* namespace may write any map, but only from outside the
// new namespace: that is why newuidmap(1) is a separate setuid program. As root the sandbox
// does the same with a helper forked before the unshare, which stays outside and writes a
// 65536-id identity map (ids inside = ids outside, so /proc reads the same from both sides).
#pragma once

#include <sys/types.h>

#include <string>

namespace nsleak::sandbox {

class IdMapHelper {
 public:
  // Forks the helper when the caller is root (euid 0) in its current user namespace;
  // otherwise does nothing and write() falls back to the single-id map.
  IdMapHelper();
  ~IdMapHelper();
  IdMapHelper(const IdMapHelper&) = delete;
  IdMapHelper& operator=(const IdMapHelper&) = delete;

  // After unshare(CLONE_NEWUSER): the maps, by the helper (multi-id) or, without one or if it
  // failed, by the caller itself (single id: 0 -> `uid`/`gid`, with setgroups denied). `err`
  // names the failing write.
  bool write(uid_t uid, gid_t gid, std::string& err);

 private:
  pid_t pid_ = -1;
  int go_ = -1;  // the helper waits for one byte here
};

}  // namespace nsleak::sandbox
