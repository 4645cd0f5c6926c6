#include "harness/sandbox/watchdog.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "harness/os/unique_fd.hpp"
#include "harness/sandbox/sandbox.hpp"

namespace nsleak::sandbox {
namespace {

// The child's resident set in MiB (/proc/PID/statm), 0 if it cannot be read (it is gone).
std::size_t resident_mb(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  const os::UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  char buf[128] = {};
  if (::read(fd.get(), buf, sizeof buf - 1) <= 0) return 0;
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return static_cast<std::size_t>(resident * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE)) >> 20);
}

}  // namespace

Watch watch_child(int ended_fd, pid_t pid, std::chrono::steady_clock::time_point deadline,
                  std::size_t memory_limit_mb) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Watch::TimedOut;
    if (memory_limit_mb != 0 && resident_mb(pid) > memory_limit_mb) return Watch::OverMemory;
    const int tick = static_cast<int>(
        std::min<long long>(left.count() + 1, memory_limit_mb != 0 ? kMemoryPollMs : 1 << 30));
    if (ended_fd >= 0) {
      pollfd p{ended_fd, POLLIN, 0};
      const int rc = ::poll(&p, 1, tick);
      if (rc < 0 && errno == EINTR) continue;
      if (rc > 0) return Watch::Ended;
    } else {  // kernels before 5.3 (no pidfd): poll the child
      siginfo_t si{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
        return Watch::Ended;
      ::usleep(200);
    }
  }
}

}  // namespace nsleak::sandbox
