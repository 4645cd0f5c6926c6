#include "harness/ns/task_observer.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "harness/ns/ns_ops.hpp"

namespace nsleak::ns {

std::vector<TaskNs> TaskObserver::snapshot() const {
  std::vector<TaskNs> out;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    TaskNs t;
    t.tid = static_cast<pid_t>(std::atoi(e->d_name));
    bool alive = true;
    for (NsKind k : kAllKinds) {
      if (!observes(k)) continue;
      t.ns[index(k)] = task_id(t.tid, k);
      alive = alive && t.ns[index(k)].valid();
    }
    if (alive) out.push_back(t);
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const TaskNs& a, const TaskNs& b) { return a.tid < b.tid; });
  return out;
}

bool task_exists(pid_t tid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/task/%d", static_cast<int>(tid));
  struct stat st {};
  return ::stat(path, &st) == 0;
}

}  // namespace nsleak::ns
