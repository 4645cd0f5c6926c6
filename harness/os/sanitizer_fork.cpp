#include "harness/os/sanitizer_fork.hpp"

#include "harness/os/sanitizer_build.hpp"

#if NSLEAK_ASAN
#include <pthread.h>

// The runtime's own lock functions (compiler-rt's lsan_common.h, asan_allocator.cpp,
// sanitizer_stackdepot.h), the ones LLVM 18's InstallAtForkHandler calls. Weak: a build linked
// against a shared libasan, which keeps them internal, still links and reports false.
namespace __lsan {
void LockThreadRegistry() __attribute__((weak));
void UnlockThreadRegistry() __attribute__((weak));
void LockAllocator() __attribute__((weak));
void UnlockAllocator() __attribute__((weak));
}  // namespace __lsan
namespace __sanitizer {
void StackDepotLockAll() __attribute__((weak));
void StackDepotUnlockAll() __attribute__((weak));
}  // namespace __sanitizer
#endif

namespace nsleak::os {

#if NSLEAK_ASAN
namespace {

// The order LLVM 18's handler uses: registry, allocator, depot; released in reverse.
void lock_before_fork() {
  __lsan::LockThreadRegistry();
  __lsan::LockAllocator();
  __sanitizer::StackDepotLockAll();
}

void unlock_after_fork() {
  __sanitizer::StackDepotUnlockAll();
  __lsan::UnlockAllocator();
  __lsan::UnlockThreadRegistry();
}

bool install() {
  if (&__lsan::LockThreadRegistry == nullptr || &__lsan::UnlockThreadRegistry == nullptr ||
      &__lsan::LockAllocator == nullptr || &__lsan::UnlockAllocator == nullptr ||
      &__sanitizer::StackDepotLockAll == nullptr || &__sanitizer::StackDepotUnlockAll == nullptr)
    return false;
  return ::pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork) == 0;
}

}  // namespace
#endif

bool make_sanitizer_fork_safe() {
#if NSLEAK_ASAN
  static const bool installed = install();  // once: handlers registered twice would lock twice
  return installed;
#else
  return true;
#endif
}

}  // namespace nsleak::os
