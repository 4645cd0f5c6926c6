#include "harness/sandbox/cpu_pin.hpp"

#include <sched.h>

namespace nsleak::sandbox {

void pin_to_one_cpu(unsigned rank) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return;
  const int allowed = CPU_COUNT(&set);
  if (allowed == 0) return;
  int skip = static_cast<int>(rank % static_cast<unsigned>(allowed));
  int cpu = -1;
  for (int c = CPU_SETSIZE - 1; c >= 0 && cpu < 0; --c)
    if (CPU_ISSET(c, &set) && skip-- == 0) cpu = c;
  if (cpu < 0) return;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

}  // namespace nsleak::sandbox
