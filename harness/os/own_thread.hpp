// The calling thread's tid and its "/proc/<tid>/" prefix, without a gettid(2) and a snprintf
// at every read. The observer reads its own thread's entries after every op (own_entry_path)
// and each read began with both: in an exploration schedule, seccomp-filtered gettid calls and
// printf formatting were a few per cent of the CPU. Kept per thread and made again in a fork's
// child, where the forking thread's copy still names its parent's thread: a generation that a
// pthread_atfork child handler advances (glibc's fork() runs it; a fork that skips the atfork
// handlers, lone_fork.hpp, calls own_thread_forked itself).
// Read in a non-inlined function and never kept across anything that could switch goroutines
// (the TLS rule, ARCHITECTURE.md).
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace nsleak::os {

struct OwnThread {
  pid_t tid = 0;
  char proc_prefix[24] = {};  // "/proc/<tid>/", NUL-terminated
  std::size_t prefix_len = 0;
};

// This thread's, valid in this process (fetched on its first call in each).
const OwnThread& own_thread();

// In a fork's child that did not run the atfork handlers (lone_fork): what the handler does.
void own_thread_forked();

}  // namespace nsleak::os
