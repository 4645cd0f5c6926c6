// exec_probe: start a real process from the calling thread (posix_spawn, i.e. clone from
// *this* thread, as os/exec does from whatever thread the goroutine is on) and let it report
// the state it started in. What a child inherits is decided by the kernel, not by us.
#pragma once

#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"

namespace nsleak::os {

// Runs `/usr/bin/stat -L -c %d:%i /proc/self/<entry>` (by absolute path, never a $PATH
// lookup) and parses its answer into `out`.
SysResult exec_probe(StateKind kind, StateValue& out);
// The absolute path of the stat(1) it runs.
const char* stat_program();

}  // namespace nsleak::os
