// A syscall the allowlist (syscall_filter.hpp) does not permit: caught, recorded, fatal.
//
// The filter answers it with SECCOMP_RET_TRAP: the kernel does not run the call and forces a
// SIGSYS on the calling thread (even if blocked). The handler installed here writes one
// trace::SandboxViolation record — the syscall number, the ABI and the first arguments, as
// the kernel gave them in siginfo and the registers — and ends the child with
// rt::kChildExitSandboxViolation. The records committed before it are kept: the run is
// reported with its partial trace and the decoded call.
#pragma once

#include <string>

#include "harness/trace/buffer.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::sandbox {

// Child, before the filter is installed: SIGSYS goes to the handler, which records into `out`.
void catch_violations(trace::TraceBuffer& out);

// Parent: "personality(0xffffffff, 0x0, 0x0)" — the call by name on its ABI, flags decoded
// for the calls whose flags the filter checks (unshare, setns, clone).
std::string describe_violation(const trace::SandboxViolation& v);

}  // namespace nsleak::sandbox
