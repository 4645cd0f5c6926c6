#include "harness/observe/supervisor.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/sched.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/os/task_observer.hpp"
#include "harness/os/unique_fd.hpp"

namespace nsleak::observe {
namespace {

// <linux/seccomp.h> of Linux 6.6 (Debian 12's headers are 6.1): SECCOMP_IOCTL_NOTIF_SET_FLAGS
// and its one flag.
constexpr unsigned long kSeccompIoctlNotifSetFlags = _IOW('!', 4, std::uint64_t);
constexpr std::uint64_t kSeccompUserNotifFdSyncWakeUp = 1;

struct FreeNotif {
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  ~FreeNotif() { seccomp_notify_free(req, resp); }
};

static_assert(sandbox::kNotifiedSyscalls.size() == static_cast<std::size_t>(Call::Setpriority) + 1,
              "one observe::Call per notified syscall, in the filter's order");

std::optional<Call> call_of(int nr) {
  static const auto numbers = [] {  // resolved once: every notification asks
    std::array<int, sandbox::kNotifiedSyscalls.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = seccomp_syscall_resolve_name(sandbox::kNotifiedSyscalls[i]);
    return out;
  }();
  for (std::size_t i = 0; i < numbers.size(); ++i)
    if (numbers[i] == nr && nr != __NR_SCMP_ERROR) return static_cast<Call>(i);
  return std::nullopt;
}

// Reads the caller's memory (process_vm_readv: the caller is stopped in the notification, and
// the id check after the read proves the bytes were still its).
bool read_remote(pid_t tid, std::uint64_t addr, void* out, std::size_t n) {
  iovec local{out, n};
  iovec remote{reinterpret_cast<void*>(addr), n};
  return ::process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(n);
}

std::string read_remote_string(pid_t tid, std::uint64_t addr) {
  char buf[256] = {};
  // Page boundaries can cut a single read short: read what can be read, byte runs up to 255.
  for (std::size_t n = sizeof buf - 1; n > 0; n /= 2)
    if (read_remote(tid, addr, buf, n)) break;
  return std::string(buf, ::strnlen(buf, sizeof buf - 1));
}

std::string fd_target(pid_t tid, std::uint64_t fd) {
  char path[64], buf[256];
  std::snprintf(path, sizeof path, "/proc/%d/fd/%d", static_cast<int>(tid), static_cast<int>(fd));
  const ssize_t n = ::readlink(path, buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

pid_t parent_pid(const char* pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  const os::UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* close = std::strrchr(buf, ')');  // the command name may hold spaces and parens
  if (close == nullptr) return 0;
  char state = 0;
  int ppid = 0;
  return std::sscanf(close + 1, " %c %d", &state, &ppid) == 2 ? static_cast<pid_t>(ppid) : 0;
}

}  // namespace

const char* call_name(Call c) { return sandbox::kNotifiedSyscalls[static_cast<std::size_t>(c)]; }

pid_t target_tid(const KernelEvent& ev) {
  const auto named = [&](std::uint64_t tid) { return tid == 0 ? ev.tid : static_cast<pid_t>(tid); };
  if (ev.call == Call::SchedSetaffinity) return named(ev.args[0]);
  if (ev.call == Call::Setpriority) return ev.args[0] == 0 /* PRIO_PROCESS */ ? named(ev.args[1]) : 0;
  return ev.tid;
}

unsigned namespace_kinds_mask() {
  unsigned mask = 0;
  for (const auto& row : os::state_kinds())
    if (os::is_namespace(row.kind) && os::unavailable_reason(row.kind).empty()) mask |= 1u << os::index(row.kind);
  return mask;
}

unsigned observed_kinds_mask() {
  unsigned mask = namespace_kinds_mask();
  // Every other kind can be read on every kernel (a one-CPU machine's affinity only cannot be
  // *changed* to something else: unavailable_reason is about exercising a kind, not reading it).
  for (const auto& row : os::state_kinds())
    if (!os::is_namespace(row.kind)) mask |= 1u << os::index(row.kind);
  return mask;
}

void Supervisor::discover_children() {
  // /proc/<pid>/task/<tid>/children would name them directly, but needs CONFIG_PROC_CHILDREN;
  // the parent pid of every process works everywhere. Repeated for grandchildren.
  for (bool found = true; found;) {
    found = false;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) return;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const auto pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pids_.count(pid)) continue;
      const pid_t ppid = parent_pid(e->d_name);
      if (ppid != 0 && pids_.count(ppid)) {
        pids_.insert(pid);
        log_.parent_of[pid] = ppid;
        found = true;
      }
    }
    ::closedir(dir);
  }
}

std::vector<TaskRow> Supervisor::snapshot() {
  if (forks_pending_) {
    discover_children();
    forks_pending_ = false;
  }
  std::vector<TaskRow> rows;
  for (auto it = pids_.begin(); it != pids_.end();) {
    const auto tasks = os::process_tasks(*it, log_.kinds_mask);
    if (tasks.empty()) {  // gone: a pid is never the tree's again once reused
      it = pids_.erase(it);
      continue;
    }
    const bool has_leader = std::any_of(tasks.begin(), tasks.end(), [&](const os::TaskState& t) { return t.tid == *it; });
    for (const auto& t : tasks) {
      TaskRow row{*it, t.tid, t.state, std::nullopt};
      if (has_leader && t.tid != *it && (log_.kinds_mask & (1u << os::index(os::StateKind::Fs))))
        if (const long same = ::syscall(SYS_kcmp, *it, t.tid, KCMP_FS, 0, 0); same >= 0) row.fs_shared = same == 0;
      rows.push_back(row);
    }
    ++it;
  }
  return rows;
}

void Supervisor::operator()(const sandbox::Supervision& s) {
  const os::UniqueFd listener(s.listener);
  log_.root = s.child;
  pids_ = {s.child};
  const auto t0 = std::chrono::steady_clock::now();
  FreeNotif n;
  if (seccomp_notify_alloc(&n.req, &n.resp) != 0) {
    log_.error = "seccomp_notify_alloc failed";
    return;  // closing the listener lets every notified call fail with ENOSYS: the run errs
  }
  // Synchronous wake-ups (Linux 6.6+): a notification wakes this thread on the caller's CPU,
  // and the answer wakes the caller on this one, each side sleeping while the other runs — as
  // a round trip is. Without it each round trip woke a thread on the other CPU: in this VM an
  // idle vCPU's wake-up, 0.2-0.26 ms. Older kernels refuse the ioctl (EINVAL) and keep the
  // plain wake-ups: only the latency differs.
  (void)::ioctl(listener.get(), kSeccompIoctlNotifSetFlags, kSeccompUserNotifFdSyncWakeUp);
  std::optional<std::chrono::steady_clock::time_point> grace_end;
  for (;;) {
    pollfd p[2] = {{listener.get(), POLLIN, 0}, {s.child_gone, POLLIN, 0}};
    int wait_ms = -1;
    if (grace_end) {
      wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(*grace_end - std::chrono::steady_clock::now()).count());
      if (wait_ms <= 0) return;
    }
    const int rc = ::poll(p, grace_end ? 1 : 2, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) {
      log_.error = std::string("poll(seccomp listener): ") + std::strerror(errno);
      return;
    }
    if (!grace_end && (p[1].revents & POLLIN)) grace_end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    if (p[0].revents & POLLIN) {
      std::memset(n.req, 0, sizeof *n.req);
      if (seccomp_notify_receive(listener.get(), n.req) != 0) continue;  // the caller died meanwhile
      KernelEvent ev;
      ev.seq = static_cast<std::int64_t>(log_.events.size());
      ev.t_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ev.tid = static_cast<pid_t>(n.req->pid);
      for (int i = 0; i < 6; ++i) ev.args[static_cast<std::size_t>(i)] = n.req->data.args[i];
      const auto call = call_of(n.req->data.nr);
      if (call) {
        ev.call = *call;
        switch (ev.call) {
          case Call::Clone: ev.flags = ev.args[0]; break;
          case Call::Clone3: {
            std::uint64_t flags = 0;  // struct clone_args starts with its flags
            if (read_remote(ev.tid, ev.args[0], &flags, sizeof flags)) ev.flags = flags;
            break;
          }
          case Call::Fork: ev.flags = 0; break;
          case Call::Vfork: ev.flags = CLONE_VFORK | CLONE_VM; break;
          case Call::Unshare: ev.flags = ev.args[0]; break;
          case Call::Setns: ev.flags = ev.args[1]; ev.target = fd_target(ev.tid, ev.args[0]); break;
          case Call::Execve: ev.target = read_remote_string(ev.tid, ev.args[0]); break;
          case Call::Execveat: ev.target = read_remote_string(ev.tid, ev.args[1]); break;
          case Call::Chdir: ev.target = read_remote_string(ev.tid, ev.args[0]); break;
          case Call::Fchdir: ev.target = fd_target(ev.tid, ev.args[0]); break;
          default: break;
        }
        if (creates_task(ev.call) && (!ev.flags || !(*ev.flags & CLONE_THREAD))) forks_pending_ = true;
        if (snapshots_) ev.tasks = snapshot();
        auto caller = [&] { return std::find_if(ev.tasks.begin(), ev.tasks.end(), [&](const TaskRow& r) { return r.tid == ev.tid; }); };
        if (snapshots_ && caller() == ev.tasks.end()) {  // a process not found yet: scan again, whatever the flags said
          forks_pending_ = true;
          ev.tasks = snapshot();
        }
        if (auto it = caller(); it != ev.tasks.end()) ev.pid = it->pid;
        // The memory reads above are only the caller's if the notification is still pending.
        if (seccomp_notify_id_valid(listener.get(), n.req->id) != 0) ev.target.clear();
        log_.events.push_back(std::move(ev));
      }
      n.resp->id = n.req->id;
      n.resp->val = 0;
      n.resp->error = 0;
      n.resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      (void)seccomp_notify_respond(listener.get(), n.resp);  // ENOENT: the caller was killed meanwhile
    } else if (p[0].revents & (POLLHUP | POLLERR)) {
      return;  // no task uses the filter any more: the whole tree is gone
    }
  }
}

}  // namespace nsleak::observe
