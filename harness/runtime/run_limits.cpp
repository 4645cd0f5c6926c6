#include "harness/runtime/run_limits.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "harness/runtime/sched.hpp"
#include "harness/runtime/stack_pool.hpp"

namespace nsleak::rt {
namespace {

// The first number in `path`, or `fallback`. Read with open/read into a stack buffer, as
// count_lines is: an ifstream's construction (locale, filebuf, its heap) cost more than the
// kernel's part, and every sandbox child pays these reads at its start.
std::size_t read_number(const char* path, std::size_t fallback) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fallback;
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return fallback;
  buf[n] = '\0';
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf, &end, 10);
  return end != buf ? static_cast<std::size_t>(v) : fallback;
}

std::size_t count_lines(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t n = 0;
  char buf[4096];
  for (ssize_t got; (got = ::read(fd, buf, sizeof buf)) > 0;)
    n += static_cast<std::size_t>(std::count(buf, buf + got, '\n'));
  ::close(fd);
  return n;
}

// VmSize of this process, bytes (the address space RLIMIT_AS counts): statm's first field.
std::size_t address_space() {
  return read_number("/proc/self/statm", 0) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t g_stack_bytes() { return StackPool::kStackSize + static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

// Mappings and stack bytes the run would hold with `gs` live Gs (each will have a stack; the
// pool's free stacks stay mapped) and `ms` live Ms.
std::size_t mappings(std::size_t gs, std::size_t ms) { return 2 * (gs + stack_pool().free()) + 2 * ms; }
std::size_t stack_bytes(std::size_t gs, std::size_t ms) {
  return (gs + stack_pool().free()) * g_stack_bytes() + ms * kThreadStack;
}

std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

void check(std::size_t gs, std::size_t ms, const char* made) {
  const RunLimits& l = sched().limits;
  if (l.max_map_count == 0) return;  // not read: no runtime started (read_run_limits never reads 0)
  const std::size_t maps = mappings(gs, ms);
  const std::size_t budget = l.max_map_count > l.maps_at_start + kMapHeadroom ? l.max_map_count - l.maps_at_start - kMapHeadroom : 0;
  if (maps > budget)
    limit_hit(std::string("memory mappings: ") + made + " would make " + std::to_string(gs) + " live goroutines and " +
              std::to_string(ms) + " threads, whose stacks need " + std::to_string(maps) +
              " mappings (two each: the stack and its guard page), past the " + std::to_string(budget) +
              " that vm.max_map_count (" + std::to_string(l.max_map_count) + ") leaves this run (" +
              std::to_string(l.maps_at_start) + " mapped at its start, " + std::to_string(kMapHeadroom) +
              " kept for the runtime). Raise it with `sysctl vm.max_map_count=N` (as root), or let goroutines "
              "end before more start");
  if (ms > l.max_threads)
    limit_hit(std::string("threads: ") + made + " would make " + std::to_string(ms) + " threads, past " + l.threads_by +
              " (" + std::to_string(l.max_threads) + "). Raise it with " +
              (l.threads_by == "RLIMIT_NPROC" ? "`ulimit -u N`" : "`sysctl kernel.threads-max=N` (as root)") +
              ", or let locked goroutines end (each holds a thread)");
  if (l.stack_budget != 0 && stack_bytes(gs, ms) > l.stack_budget)
    limit_hit(std::string("stack memory: ") + made + " would make " + std::to_string(gs) + " live goroutines (" +
              std::to_string(g_stack_bytes() >> 10) + " KiB of stack each, with its guard page) and " +
              std::to_string(ms) + " threads (" + std::to_string(kThreadStack >> 10) +
              " KiB each), whose stacks need " + mib(stack_bytes(gs, ms)) + " of address space, past the " +
              mib(l.stack_budget) + " that RLIMIT_AS leaves them in this run. Raise it with `ulimit -v N` (KiB), or let "
              "goroutines end before more start");
}

}  // namespace

RunLimits read_run_limits() {
  RunLimits l;
  l.max_map_count = std::max<std::size_t>(read_number("/proc/sys/vm/max_map_count", 65530), 1);
  l.maps_at_start = count_lines("/proc/self/maps");
  l.max_threads = read_number("/proc/sys/kernel/threads-max", 1u << 22);
  l.threads_by = "kernel.threads-max";
  struct rlimit r {};
  if (::getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < l.max_threads) {
    l.max_threads = static_cast<std::size_t>(r.rlim_cur);
    l.threads_by = "RLIMIT_NPROC";
  }
  if (::getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
    // Half of what is left: the other half is for the heap (Gs, the scheduler, the recorder).
    const std::size_t used = address_space();
    l.stack_budget = r.rlim_cur > used ? std::max<std::size_t>((r.rlim_cur - used) / 2, 1) : 1;
  }
  return l;
}

void check_new_g() { check(sched().live_gs + 1, sched().live_ms, "this go statement"); }
void check_new_m() { check(sched().live_gs, sched().live_ms + 1, "this new thread (M)"); }

}  // namespace nsleak::rt
