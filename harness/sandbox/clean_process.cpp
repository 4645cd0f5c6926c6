#include "harness/sandbox/clean_process.hpp"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

std::string clean_process(int keep) {
  // The trace buffer is an anonymous shared mapping, not an fd: nothing the child needs is
  // above 2 but `keep` (the supervisor's socket). stdin/stdout/stderr stay, as for any program.
  int err = 0;
  if (keep < 3) {
    err = close_fds(3, ~0u);
  } else {
    err = close_fds(3, static_cast<unsigned>(keep) - 1);
    if (err == 0) err = close_fds(static_cast<unsigned>(keep) + 1, ~0u);
  }
  if (err != 0) return std::string("close_range(3, ~0U, 0): ") + std::strerror(err);
  if (::clearenv() != 0) return "clearenv failed";
  if (::setenv("PATH", kSandboxPath, 1) != 0 || ::setenv("LC_ALL", "C", 1) != 0)
    return std::string("setenv: ") + std::strerror(errno);
  return {};
}

}  // namespace nsleak::sandbox
