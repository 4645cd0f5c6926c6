// exec_probe: start a real process from the calling thread (posix_spawn, i.e. clone from
// *this* thread, as os/exec does from whatever thread the goroutine is on) and let it report
// the state it started in. What a child inherits is decided by the kernel, not by us.
//
// The three parts are separate because exec.Command(...).Output() does them at different
// moments, on threads the scheduler picks: the fork (Start, on the calling thread), the copy
// of the child's stdout (a copier goroutine), and the wait (wait4, back on the caller).
#pragma once

#include <sys/types.h>

#include <string>

#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"
#include "harness/os/unique_fd.hpp"

namespace nsleak::os {

struct ProbeChild {
  pid_t pid = -1;
  UniqueFd out;  // read end of the child's stdout
  std::string call;
  std::string text;  // what the child wrote (probe_read)
  int status = 0;    // its wait status (probe_wait)
};

// Forks `/usr/bin/stat -L -c %d:%i /proc/self/<entry>` (by absolute path, never a $PATH
// lookup) from the calling thread, its stdout a pipe.
SysResult probe_start(StateKind kind, ProbeChild& c);
// Reads the child's stdout to EOF into c.text.
SysResult probe_read(ProbeChild& c);
// Waits for the child to exit (wait4).
SysResult probe_wait(ProbeChild& c);
// The state the child reported, once read and waited for.
SysResult probe_result(const ProbeChild& c, StateValue& out);

// All of it, in order, on the calling thread.
SysResult exec_probe(StateKind kind, StateValue& out);
// The absolute path of the stat(1) it runs.
const char* stat_program();

}  // namespace nsleak::os
