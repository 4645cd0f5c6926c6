// exec_probe: start a real process from the calling thread (posix_spawn, i.e. clone from
// *this* thread, as os/exec does from whatever thread the goroutine is on) and let it report
// the state it started in, for every state kind asked: the namespaces and the cwd it stats
// itself (its /proc/self entries, which vanish when it exits), the numeric kinds (ids,
// affinity, nice) the kernel shows in its /proc/<pid> files, read before it is waited for
// (alive or a zombie, they are its own). What a child inherits is decided by the kernel.
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
  unsigned kinds = 0;  // bit index(kind): the kinds it reports
  StateSet numeric{};  // the numeric kinds, read from /proc/<pid> at probe_start
  UniqueFd out;  // read end of the child's stdout
  std::string call;
  std::string text;  // what the child wrote (probe_read)
  int status = 0;    // its wait status (probe_wait)
};

// Forks `/usr/bin/stat -L -c %d:%i /proc/self/<entry>...` (by absolute path, never a $PATH
// lookup; one entry per namespace and fs kind of `kinds`, net always) from the calling thread,
// its stdout a pipe, then reads the numeric kinds of `kinds` from /proc/<pid>.
SysResult probe_start(unsigned kinds, ProbeChild& c);
// Reads the child's stdout to EOF into c.text.
SysResult probe_read(ProbeChild& c);
// Waits for the child to exit (wait4).
SysResult probe_wait(ProbeChild& c);
// The state the child reported, for each of its kinds, once read and waited for.
SysResult probe_result(const ProbeChild& c, StateSet& out);
// Whether the child stats `kind` itself (a namespace or the cwd), rather than the parent
// reading it from /proc/<pid>.
bool stated_by_child(StateKind kind);

// All of it, in order, on the calling thread.
SysResult exec_probe(StateKind kind, StateValue& out);
// The absolute path of the stat(1) it runs.
const char* stat_program();

}  // namespace nsleak::os
