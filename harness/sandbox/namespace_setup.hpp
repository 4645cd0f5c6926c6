// Namespace set-up of the sandbox child (still single-threaded), nsjail-style: one function,
// an error message naming the exact syscall when it fails.
#pragma once

#include <string>

namespace nsleak::sandbox {

struct SetupResult {
  std::string error;  // empty on success
  bool userns = false;
};

// Gives the calling process its own namespace of every kind in the state table (net, uts, ...), through a user namespace
// when not privileged (or when forced).
SetupResult enter_private_namespaces(bool force_userns);

}  // namespace nsleak::sandbox
