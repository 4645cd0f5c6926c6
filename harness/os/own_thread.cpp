#include "harness/os/own_thread.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace nsleak::os {
namespace {

// 1 in the first process: a thread's zeroed copy (generation 0) is never current.
std::atomic<unsigned> g_generation{1};

[[maybe_unused]] const int g_registered = ::pthread_atfork(nullptr, nullptr, [] { own_thread_forked(); });

struct Cached {
  unsigned generation = 0;
  OwnThread t;
};

}  // namespace

void own_thread_forked() { g_generation.fetch_add(1, std::memory_order_relaxed); }

[[gnu::noinline]] const OwnThread& own_thread() {
  thread_local Cached c;
  const unsigned now = g_generation.load(std::memory_order_relaxed);
  if (c.generation != now) {
    c.t.tid = static_cast<pid_t>(::gettid());
    const int n = std::snprintf(c.t.proc_prefix, sizeof c.t.proc_prefix, "/proc/%d/", static_cast<int>(c.t.tid));
    c.t.prefix_len = static_cast<std::size_t>(n);
    c.generation = now;
  }
  return c.t;
}

}  // namespace nsleak::os
