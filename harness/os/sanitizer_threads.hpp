// A sandbox child without the sanitizer runtime's own threads (ci/sanitize's TSan build).
// libtsan (Debian 12's gcc-12) runs a background thread in every process: the first
// pthread_create starts it (MaybeSpawnBackgroundThread), and the child of a fork() by a
// single-threaded process gets a new one at once (ForkChildAfter) — the sandbox child too.
// That thread makes the child multithreaded, so unshare(CLONE_NEWUSER) fails with EINVAL, and
// it is a task and a clone that are not the program's (newm, the recorder, the kernel audit).
// ASan, LSan and UBSan start no thread of their own by default.
#pragma once

#include <string>

namespace nsleak::os {

// TSan builds only (os/sanitizer_build.hpp; a no-op returning "" in every other build): stops
// TSan's background thread in this process, through the runtime's own sandbox hook
// (__sanitizer_sandbox_on_notify, which joins it and leaves it stopped for the rest of the
// process and its forks), and waits until this thread is the process's only task. Call it first
// thing in a fresh fork child, before namespaces and filters. Returns why the process is still
// multithreaded, or "".
std::string end_sanitizer_threads();

}  // namespace nsleak::os
