#include "harness/os/ns_pins.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harness/os/state_ops.hpp"

namespace nsleak::os {

bool NsPins::pin(int dir, const char* rel, StateKind k, StateValue& v) {
  if (info(k).read != ReadBy::NsfsIdentity || !v.valid()) return true;
  if (std::binary_search(seen_.begin(), seen_.end(), v)) return true;
  UniqueFd fd(::openat(dir, rel, O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    const int e = errno;
    if (e == ENOENT || e == ESRCH) return true;  // the task exited: its namespace is another's to pin
    if (error_.empty())
      error_ = "cannot keep namespace " + v.str() + " open (open " + rel + ": " + std::strerror(e) + ", " +
               std::to_string(fds_.size()) + " namespaces held; nsleak holds one fd per namespace a run has " +
               "seen, so that no inode number is reused within the run: raise the open-file limit, ulimit -n)";
    return false;
  }
  v = identity(st);
  if (std::binary_search(seen_.begin(), seen_.end(), v)) return true;  // moved to one we hold
  seen_.insert(std::upper_bound(seen_.begin(), seen_.end(), v), v);
  fds_.push_back(std::move(fd));
  return true;
}

unsigned long raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur;
}

}  // namespace nsleak::os
