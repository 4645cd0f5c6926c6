// The seccomp filter that makes marked namespace syscalls fail (see ns/fault_injection.hpp).
#pragma once

#include <string>

namespace nsleak::sandbox {

// Installs the filter on the calling (single) thread; every thread created later inherits
// it. Returns an error message, empty on success.
std::string install_fault_filter();

}  // namespace nsleak::sandbox
