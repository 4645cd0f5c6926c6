// NsPins: one open fd per namespace a run has seen, for the run's lifetime.
//
// A namespace is named by its nsfs inode (state_value.hpp), and the kernel gives a freed
// namespace's inode number to the next one it makes (the proc inum allocator takes the lowest
// free number): a scenario that unshares, goes back and unshares again would see one
// "namespace" where there were two. Holding an fd keeps each namespace, so its inode, alive:
// within a run no identity can be reused, and two namespaces are never conflated.
#pragma once

#include <string>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/os/unique_fd.hpp"

namespace nsleak::os {

class NsPins {
 public:
  // `v` was read as kind `k` at `rel` under directory fd `dir` (AT_FDCWD for an absolute path).
  // A namespace not seen before is opened there and kept; `v` becomes the opened one's identity
  // (the entry read is the entry pinned, even if the task moved in between). Numeric kinds and
  // the cwd are left alone. False, with error(), when the open fails (the fd limit): the caller
  // stops the run, since identities could then be reused.
  bool pin(int dir, const char* rel, StateKind k, StateValue& v);
  std::size_t size() const { return fds_.size(); }
  const std::string& error() const { return error_; }

 private:
  std::vector<StateValue> seen_;  // sorted
  std::vector<UniqueFd> fds_;
  std::string error_;
};

// Raises this process's soft open-file limit to its hard limit (the pins and a scenario's own
// namespace handles need one fd each); the limit in force afterwards.
unsigned long raise_fd_limit();

}  // namespace nsleak::os
