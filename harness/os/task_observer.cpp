#include "harness/os/task_observer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <utility>
#include <vector>

#include "harness/os/own_thread.hpp"
#include "harness/os/state_ops.hpp"

namespace nsleak::os {

namespace {

bool is_tid(const char* name) { return name[0] >= '0' && name[0] <= '9'; }

// Calls f(name) for every tid listed in the open task directory `fd`, from its start. With
// getdents64 into a buffer on the stack: opendir's DIR is a 32 KiB malloc, and a sandbox child
// lists its tasks at every new M and every full snapshot, each time in a fresh process whose
// heap pages are its zygote's (a copy-on-write fault for each one malloc writes).
// False when the directory cannot be read.
template <class F>
bool for_each_tid(int fd, F&& f) {
  if (fd < 0 || ::lseek(fd, 0, SEEK_SET) != 0) return false;
  alignas(dirent64) char buf[2048];
  for (;;) {
    const ssize_t n = ::getdents64(fd, buf, sizeof buf);
    if (n < 0) return false;
    if (n == 0) return true;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buf + at);
      if (is_tid(e->d_name)) f(e->d_name);
      at += e->d_reclen;
    }
  }
}

}  // namespace

TaskObserver::TaskObserver(unsigned kinds_mask)
    : mask_(kinds_mask | 1u),
      task_dir_(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      proc_(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) {}

TaskObserver::~TaskObserver() {
  if (task_dir_ >= 0) ::close(task_dir_);
  if (proc_ >= 0) ::close(proc_);
}

namespace {

// Every task listed in the open task directory `task_dir` and its value of each kind in
// `mask`, read from the task's directory under `dfd`.
std::vector<TaskState> read_tasks(int task_dir, int dfd, unsigned mask, NsPins* pins) {
  std::vector<TaskState> out;
  for_each_tid(task_dir, [&](const char* name) {
    TaskState t;
    t.tid = static_cast<pid_t>(std::atoi(name));
    if (pins == nullptr) {  // another process's tasks: every kind, each /proc entry read once
      if (task_values(dfd, name, mask, t.state)) out.push_back(t);
      return;
    }
    for (StateKind k : kAllKinds) {
      if (!(mask & (1u << index(k)))) continue;
      t.state[index(k)] = task_value(dfd, name, k);
      if (!t.state[index(k)].valid()) return;  // exiting while we read: gone by the time the snapshot is used
      // Room for any d_name (is_tid makes it a few digits, but the type allows 255) and the
      // longest entry; a path that still did not fit would name another file, so it is not pinned.
      char rel[sizeof(dirent64::d_name) + 64];
      const int n = std::snprintf(rel, sizeof rel, "%s/%s", name, info(k).task_entry);
      if (n > 0 && static_cast<std::size_t>(n) < sizeof rel) pins->pin(dfd, rel, k, t.state[index(k)]);
    }
    out.push_back(t);
  });
  std::sort(out.begin(), out.end(), [](const TaskState& a, const TaskState& b) { return a.tid < b.tid; });
  return out;
}

}  // namespace

std::vector<TaskState> TaskObserver::snapshot() {
  if (task_dir_ < 0 || proc_ < 0) return {};
  // Listed in /proc/self/task, read under /proc/<tid> (state_ops.hpp, own_entry_path: where
  // the reads' dentries sit decides what reaping the process costs).
  return read_tasks(task_dir_, proc_, mask_, &pins_);
}

std::vector<TaskState> process_tasks(pid_t pid, unsigned kinds_mask) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  const UniqueFd dir(::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return {};  // the process is gone (or never was ours to read)
  return read_tasks(dir.get(), dir.get(), kinds_mask, nullptr);  // another process's: not ours to pin
}

TaskState TaskObserver::own() { return own(StateSet{}); }

TaskState TaskObserver::own(const StateSet& read) {
  TaskState t;
  t.tid = own_thread().tid;
  for (StateKind k : kAllKinds) {
    if (!observes(k)) continue;
    t.state[index(k)] = read[index(k)].valid() ? read[index(k)] : current_value(k);
    char path[64];
    own_entry_path(path, sizeof path, info(k).task_entry);
    pins_.pin(AT_FDCWD, path, k, t.state[index(k)]);
  }
  return t;
}

std::vector<pid_t> task_ids() {
  std::vector<pid_t> out;
  const UniqueFd dir(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for_each_tid(dir.get(), [&](const char* name) { out.push_back(static_cast<pid_t>(std::atoi(name))); });
  std::sort(out.begin(), out.end());
  return out;
}

bool task_exists(pid_t tid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/task/%d", static_cast<int>(tid));
  struct stat st {};
  return ::stat(path, &st) == 0;
}

}  // namespace nsleak::os

namespace nsleak::os {

SysResult task_gone(pid_t tid, TaskGone& out) {
  out = {};
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) {  // reaped: the entry is gone
      out.gone = true;
      return {};
    }
    return sys_result(fd, [&] { return std::string("open(") + path + ")"; });
  }
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  const int read_err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) {
    if (read_err == ESRCH) {  // exited between the open and the read
      out.gone = true;
      return {};
    }
    return sys_error(read_err, std::string("read(") + path + ")");
  }
  buf[n] = '\0';
  // "tid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
  const char* close_paren = std::strrchr(buf, ')');
  if (close_paren == nullptr || close_paren[1] != ' ' || close_paren[2] == '\0')
    return sys_error(EINVAL, std::string("parse ") + path);
  out.state = close_paren[2];
  out.gone = out.state == 'Z' || out.state == 'X';
  return {};
}

}  // namespace nsleak::os
