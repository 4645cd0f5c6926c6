#include "harness/sandbox/clean_process.hpp"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>

namespace nsleak::sandbox {

namespace {

// Closes [lo, hi]; 0 or the errno.
int close_fds(unsigned lo, unsigned hi) {
  if (lo > hi) return 0;
  if (::syscall(SYS_close_range, lo, hi, 0u) == 0) return 0;
  if (errno != ENOSYS) return errno;
  for (unsigned fd = lo; fd <= hi && fd < 65536; ++fd) ::close(static_cast<int>(fd));  // before 5.9
  return 0;
}

}  // namespace

std::string clean_process(std::span<const int> keep) {
  // The trace buffer is an anonymous shared mapping, not an fd: nothing the child needs is
  // above 2 but `keep` (the supervisor's socket, the namespace pool's fds). stdin/stdout/stderr
  // stay, as for any program. `keep` is short and usually sorted: an insertion sort, no heap.
  int kept[80];
  std::size_t n = 0;
  for (int fd : keep) {
    if (fd < 3 || n == sizeof kept / sizeof kept[0]) continue;
    std::size_t i = n++;
    for (; i > 0 && kept[i - 1] > fd; --i) kept[i] = kept[i - 1];
    kept[i] = fd;
  }
  int err = 0;
  unsigned lo = 3;
  for (std::size_t i = 0; i < n && err == 0; ++i) {
    if (static_cast<unsigned>(kept[i]) >= lo) err = close_fds(lo, static_cast<unsigned>(kept[i]) - 1);
    lo = static_cast<unsigned>(kept[i]) + 1;
  }
  if (err == 0) err = close_fds(lo, ~0u);
  if (err != 0) return std::string("close_range(3, ~0U, 0): ") + std::strerror(err);
  if (::clearenv() != 0) return "clearenv failed";
  if (::setenv("PATH", kSandboxPath, 1) != 0 || ::setenv("LC_ALL", "C", 1) != 0)
    return std::string("setenv: ") + std::strerror(errno);
  return {};
}

}  // namespace nsleak::sandbox
