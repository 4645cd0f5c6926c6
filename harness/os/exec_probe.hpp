// exec_probe: start a real process from the calling thread (posix_spawn, i.e. clone from
// *this* thread, as os/exec does from whatever thread the goroutine is on) and let it report
// the state it started in. What a child inherits is decided by the kernel, not by us.
#pragma once

#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"

namespace nsleak::os {

// Runs `stat -L -c %d:%i /proc/self/<entry>` and parses its answer into `out`.
SysResult exec_probe(StateKind kind, StateValue& out);

}  // namespace nsleak::os
