#include "harness/os/sanitizer_threads.hpp"

#include "harness/os/sanitizer_build.hpp"

#if NSLEAK_TSAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include "harness/os/task_observer.hpp"
#endif

namespace nsleak::os {

std::string end_sanitizer_threads() {
#if NSLEAK_TSAN
  // One task: a fork of a multithreaded process, in which TSan starts no thread.
  if (task_ids().size() <= 1) return {};
  // The hook stops the thread only once MaybeSpawnBackgroundThread has registered it as the
  // sandboxing callback: in a process whose ancestors never made a thread (the fork started
  // one without registering), this pthread_create does, starting a second that the hook joins;
  // the first sees the same stop flag and ends within its 100-ms sleep.
  pthread_t t;
  if (pthread_create(&t, nullptr, [](void*) -> void* { return nullptr; }, nullptr) == 0) pthread_join(t, nullptr);
  __sanitizer_sandbox_arguments args{};
  __sanitizer_sandbox_on_notify(&args);
  // pthread_join returns when the kernel clears the thread's tid, before it leaves the thread
  // group: wait for that, up to 2 s.
  for (int ms = 0; ms < 2000 && task_ids().size() > 1; ++ms) ::usleep(1000);
  if (const auto n = task_ids().size(); n > 1)
    return "the ThreadSanitizer runtime's thread did not end: " + std::to_string(n) + " tasks in the sandbox child";
#endif
  return {};
}

}  // namespace nsleak::os
