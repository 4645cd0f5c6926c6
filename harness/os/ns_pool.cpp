#include "harness/os/ns_pool.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "harness/os/unique_fd.hpp"

namespace nsleak::os {
namespace {

// Filled before the zygote forks (single-threaded), read-only after: each run child has its
// own copy of `next`, so every run takes from the start of the pool.
int pool[kMaxPooled];
int pooled = 0;
std::atomic<int> next{0};

}  // namespace

std::string fill_ns_pool(int n) {
  if (n > kMaxPooled) n = kMaxPooled;
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (home.get() < 0) return std::string("open(/proc/thread-self/ns/net): ") + std::strerror(errno);
  for (; pooled < n; ++pooled) {
    if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    const int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int err = errno;
    // Back home first, whatever happened: the zygote's thread must end where it began.
    if (::setns(home.get(), CLONE_NEWNET) != 0) {
      if (fd >= 0) ::close(fd);
      return std::string("setns(back to the origin netns): ") + std::strerror(errno);
    }
    if (fd < 0) return std::string("open(/proc/thread-self/ns/net): ") + std::strerror(err);
    pool[pooled] = fd;
  }
  return {};
}

int take_pooled_ns(StateKind kind) {
  if (kind != StateKind::Net) return -1;
  const int i = next.fetch_add(1, std::memory_order_relaxed);
  return i < pooled ? pool[i] : -1;
}

std::span<const int> pooled_ns_fds() { return {pool, static_cast<std::size_t>(pooled)}; }

}  // namespace nsleak::os
