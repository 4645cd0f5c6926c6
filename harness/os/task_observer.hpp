// TaskObserver: the ground truth. Reads every task of this process from /proc/self/task and
// each task's value of every observed state kind, straight from the kernel.
#pragma once

#include <sys/types.h>

#include <vector>

#include "harness/os/ns_pins.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"

namespace nsleak::os {

struct TaskState {
  pid_t tid = 0;
  StateSet state{};  // only the observed kinds are filled in
};

class TaskObserver {
 public:
  // `kinds_mask` has bit index(kind) set for each kind to read (net is always read).
  // Keeps /proc/self/task and /proc open: a snapshot is one getdents64 plus one read per task
  // and kind (of /proc/<tid>/..., state_ops.hpp's own_entry_path: a namespace's link text), into
  // a buffer on the stack.
  explicit TaskObserver(unsigned kinds_mask = 1u);
  ~TaskObserver();
  TaskObserver(const TaskObserver&) = delete;
  TaskObserver& operator=(const TaskObserver&) = delete;
  // One snapshot of every live task, sorted by tid. A task that exits while being read is
  // left out (it is gone by the time the snapshot is used).
  std::vector<TaskState> snapshot();
  // The calling thread alone (its tid as the kernel gives it), read through /proc/<tid>:
  // one read per observed kind, no directory walk, no allocation (but a first sighting's pin).
  TaskState own();
  // ... with the values of `read`, the calling thread's state as its caller read it just now
  // (current_value, nothing in between): the same reading, not a second one. A kind `read`
  // has no valid value for is read here.
  TaskState own(const StateSet& read);
  bool observes(StateKind k) const { return mask_ & (1u << index(k)); }
  // Both pin every namespace they see for the observer's lifetime (ns_pins.hpp): within one
  // observer no namespace identity is reused. Non-empty when a pin failed (the fd limit).
  const std::string& pin_error() const { return pins_.error(); }
  std::size_t pinned() const { return pins_.size(); }

 private:
  unsigned mask_;
  int task_dir_ = -1;  // /proc/self/task of the process that made the observer
  int proc_ = -1;
  NsPins pins_;
};

// The same snapshot for another process, /proc/<pid>/task (the observe supervisor reads the
// sandboxed tree from outside it): empty when the process is gone, and a task that vanishes
// while being read is left out, never an error.
std::vector<TaskState> process_tasks(pid_t pid, unsigned kinds_mask);

// The tids of this process's live tasks, sorted (one getdents64 pass).
std::vector<pid_t> task_ids();

// True while /proc/self/task/<tid> still exists (a thread that returned may linger briefly).
bool task_exists(pid_t tid);
// Whether the kernel says thread `tid` of this process has exited, as Go's own tests ask it
// (testprog's tidExists): /proc/self/task/<tid>/stat is gone, or its state is Z (a zombie: it
// has exited, not yet reaped). Any other read failure is the SysResult's.
struct TaskGone {
  bool gone = false;
  char state = 0;  // the stat state letter when it was read (R, S, Z, ...), else 0
};
SysResult task_gone(pid_t tid, TaskGone& out);

}  // namespace nsleak::os
