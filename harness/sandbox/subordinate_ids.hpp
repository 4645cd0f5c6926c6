// The unprivileged way to map more than one id into a user namespace: Debian's `uidmap`
// package (shadow's newuidmap(1)/newgidmap(1), setuid root) writes a map for a process of the
// same user, allowed by that user's range in /etc/subuid and /etc/subgid (subuid(5): lines
// `name-or-uid:start:count`, both files keyed by the *user*). Rootless containers do exactly
// this; the sandbox does it so an unprivileged run can switch between uids and gids too.
#pragma once

#include <sys/types.h>

#include <string>

namespace nsleak::sandbox {

struct SubordinateMap {
  std::string why_not;  // empty when the map below can be written; else the reason, for people
  std::string newuidmap, newgidmap;  // absolute paths of the tools
  unsigned long uid_start = 0, gid_start = 0;  // the first subordinate id outside
  unsigned long count = 0;  // subordinate ids mapped to 1..count inside (both maps alike)
};

// The map for `uid`/`gid` (the caller's own ids, mapped to 0 inside; the user's subordinate
// ranges to 1..count), or why it cannot be had: a tool missing, or no range for the user.
// `etc` is /etc (a test points it elsewhere). Reads files only: safe in a forked child.
SubordinateMap plan_subordinate_map(uid_t uid, gid_t gid, const std::string& etc = "/etc");

}  // namespace nsleak::sandbox
