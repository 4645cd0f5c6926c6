#include "harness/os/lone_fork.hpp"

#include <dirent.h>
#include <unistd.h>

#include "harness/os/own_thread.hpp"
#include "harness/os/sanitizer_build.hpp"

namespace nsleak::os {
namespace {

// Counted once, with opendir (its 32 KiB buffer is one malloc, once per process).
bool only_thread() {
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr) return false;  // cannot tell: glibc's fork, which is always right
  int tasks = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++tasks;
  ::closedir(d);
  return tasks == 1;
}

}  // namespace

pid_t lone_fork() {
  if constexpr (kSanitizerBuild) return ::fork();
  static const bool alone = only_thread();
  if (!alone) return ::fork();
  const pid_t pid = ::_Fork();
  if (pid == 0) own_thread_forked();
  return pid;
}

}  // namespace nsleak::os
