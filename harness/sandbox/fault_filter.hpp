// The rules that make marked namespace and thread-creation syscalls fail with the errno the
// scenario asked for (see os/fault_injection.hpp): part of the syscall filter.
#pragma once

#include <seccomp.h>

#include <string>

namespace nsleak::sandbox {

// Adds the fault rules to `ctx`. Returns an error message, empty on success.
std::string add_fault_rules(scmp_filter_ctx ctx);

}  // namespace nsleak::sandbox
