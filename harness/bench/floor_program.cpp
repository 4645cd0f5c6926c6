#include "harness/bench/floor_program.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <set>

#include "harness/os/ns_pool.hpp"
#include "harness/os/state_kind.hpp"

namespace nsleak::bench {
namespace {

using observe::Call;

// The state kind whose setns flag is `nstype`, or nullptr.
const os::StateKindInfo* ns_kind(std::uint64_t nstype) {
  for (const auto& k : os::state_kinds())
    if (os::is_namespace(k.kind) && static_cast<std::uint64_t>(k.clone_flag) == nstype) return &k;
  return nullptr;
}

// "net:[4026532178]", as the supervisor reads a setns fd's target (readlink of the fd).
std::string ns_text(const os::StateKindInfo& k, const os::StateValue& v) {
  return std::string(k.name) + ":[" + std::to_string(v.minor) + "]";
}

const observe::TaskRow* row_of(const observe::KernelEvent& ev, pid_t tid) {
  for (const auto& r : ev.tasks)
    if (r.tid == tid) return &r;
  return nullptr;
}

std::uint32_t g_never = 0;  // parked threads wait on it; nothing wakes them

void* park(void*) {
  for (;;) ::syscall(SYS_futex, &g_never, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
}
void* leave(void*) { return nullptr; }

}  // namespace

std::string FloorProgram::summary() const {
  const auto n = [](int k, const char* one, const char* many) {
    return std::to_string(k) + " " + (k == 1 ? one : many);
  };
  return n(clones, "clone", "clones") + ", " + n(unshares, "unshare", "unshares") + ", " + n(setns, "setns", "setns");
}

FloorProgram floor_program(const observe::KernelLog& log) {
  FloorProgram p;
  if (!log.error.empty()) {
    p.error = "the supervisor: " + log.error;
    return p;
  }
  if (log.events.empty()) {
    p.error = "the audited run's log is empty";
    return p;
  }
  // A thread is known by the snapshot after its clone: the rows new since the clone's own.
  std::set<pid_t> exited;
  for (const auto& ev : log.events)
    if (ev.call == Call::Exit) exited.insert(ev.tid);
  const std::vector<observe::TaskRow>& first = log.events.front().tasks;
  const pid_t main_tid = log.root;
  for (std::size_t i = 0; i < log.events.size(); ++i) {
    const observe::KernelEvent& ev = log.events[i];
    FloorCall c;
    c.call = ev.call;
    switch (ev.call) {
      case Call::Clone: {
        if (ev.flags && (*ev.flags & CLONE_THREAD) == 0) {
          p.error = "a clone that is not a thread's (a process: not replayed)";
          return p;
        }
        // The new thread: a tid of the next snapshot that this one did not have.
        if (i + 1 < log.events.size())
          for (const auto& r : log.events[i + 1].tasks)
            if (row_of(ev, r.tid) == nullptr) c.exits = exited.count(r.tid) != 0;
        ++p.clones;
        break;
      }
      case Call::Unshare:
        c.flags = ev.args[0];
        ++p.unshares;
        break;
      case Call::Setns: {
        const os::StateKindInfo* k = ev.flags ? ns_kind(*ev.flags) : nullptr;
        const observe::TaskRow* caller = row_of(ev, ev.tid);
        const observe::TaskRow* start = nullptr;
        for (const auto& r : first)
          if (r.tid == main_tid) start = &r;
        if (k == nullptr || caller == nullptr || start == nullptr) {
          p.error = "a setns whose type or caller the log does not give";
          return p;
        }
        c.flags = *ev.flags;
        c.own = ev.target == ns_text(*k, caller->state[os::index(k->kind)]);
        if (!c.own && ev.target != ns_text(*k, start->state[os::index(k->kind)])) {
          p.error = "a setns into " + ev.target + ", neither the caller's namespace nor the start one";
          return p;
        }
        ++p.setns;
        break;
      }
      case Call::Exit:
      case Call::ExitGroup: continue;  // a thread's end: its clone's `exits`; the child's: _exit
      default:
        p.error = std::string("a ") + observe::call_name(ev.call) + " call (the replay makes clones, unshares and setns only)";
        return p;
    }
    p.calls.push_back(c);
  }
  return p;
}

void replay_floor(const FloorProgram& p, bool pooled) {
  // The start namespaces a setns may return to, opened as the program's first `get` does.
  int start_fd[os::kStateKinds];
  for (auto& fd : start_fd) fd = -1;
  for (const FloorCall& c : p.calls)
    if (c.call == Call::Setns && !c.own) {
      for (const auto& k : os::state_kinds())
        if (static_cast<std::uint64_t>(k.clone_flag) == c.flags && start_fd[os::index(k.kind)] < 0) {
          char path[64];
          std::snprintf(path, sizeof path, "/proc/thread-self/%s", k.task_entry);
          start_fd[os::index(k.kind)] = ::open(path, O_RDONLY | O_CLOEXEC);
        }
    }
  for (const FloorCall& c : p.calls) {
    switch (c.call) {
      case Call::Clone: {
        pthread_t t;
        if (::pthread_create(&t, nullptr, c.exits ? leave : park, nullptr) != 0) ::_exit(3);
        ::pthread_detach(t);
        break;
      }
      case Call::Unshare: {
        if (pooled && (c.flags & CLONE_NEWNET) != 0)
          if (const int fd = os::take_pooled_ns(os::StateKind::Net); fd >= 0) {
            if (::setns(fd, CLONE_NEWNET) != 0) ::_exit(3);
            if ((c.flags & ~static_cast<std::uint64_t>(CLONE_NEWNET)) == 0) break;
            if (::unshare(static_cast<int>(c.flags & ~static_cast<std::uint64_t>(CLONE_NEWNET))) != 0) ::_exit(3);
            break;
          }
        if (::unshare(static_cast<int>(c.flags)) != 0) ::_exit(3);
        break;
      }
      case Call::Setns: {
        const os::StateKindInfo* k = ns_kind(c.flags);
        int fd = start_fd[os::index(k->kind)];
        if (c.own) {
          char path[64];
          std::snprintf(path, sizeof path, "/proc/thread-self/%s", k->task_entry);
          fd = ::open(path, O_RDONLY | O_CLOEXEC);
        }
        if (fd < 0 || ::setns(fd, k->clone_flag) != 0) ::_exit(3);
        if (c.own) ::close(fd);
        break;
      }
      default: ::_exit(3);
    }
  }
  ::_exit(0);
}

}  // namespace nsleak::bench
