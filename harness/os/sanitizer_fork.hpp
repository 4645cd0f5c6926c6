// fork() from a multithreaded process in an ASan build (ci/sanitize asan).
// nsleak forks sandbox children from a parent whose other threads (the `test` and `explore`
// workers, a run's seccomp supervisor) allocate and make threads at the same time. glibc's fork
// takes malloc's locks around itself, but the ASan runtime replaces malloc and, before LLVM 18
// (llvm/llvm-project#75290, "[asan] Install pthread_atfork"), takes none of its own: Debian 12's
// GCC 12 libasan and clang 14 alike. A child forked while another thread held the allocator's,
// the stack depot's or the thread registry's lock then blocks for ever at its first malloc or
// pthread_create (a new M). Standalone, 3 threads allocating and making threads while the main
// thread forks 1,000 children that do the same: 30 children hung without these handlers, 0 with
// (GCC 12; clang 14, 300 children: 6 and 0).
#pragma once

namespace nsleak::os {

// ASan builds only (os/sanitizer_build.hpp; a no-op in every other build): once per process,
// registers the pthread_atfork handlers LLVM 18's runtime installs itself — take the thread
// registry's, the allocator's and the stack depot's locks before fork, release them after, in
// parent and child. Needs the runtime linked statically (GCC: -static-libasan, which ci/sanitize
// passes; clang links it statically by default), since a shared libasan does not export these
// functions: returns false when they are missing, true when the handlers are installed.
// Call it before the process first forks while it may have other threads (run_sandboxed).
bool make_sanitizer_fork_safe();

}  // namespace nsleak::os
