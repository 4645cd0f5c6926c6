// runtime.AllThreadsSyscall (Go 1.16+, runtime/os_linux.go + syscall/syscall_linux.go): make a
// per-thread kernel setting process-wide by running the same syscall on every M.
//
// Linux keeps credentials per task; POSIX wants them per process. Go 1.16 made syscall.Setuid,
// Setgid & co. go through AllThreadsSyscall: the call runs on the calling thread first (a
// failure there is the result, and no other thread is touched), then every other M is
// signalled (sigPerThreadSyscall) and runs it from its signal handler — locked Ms, the wedged
// M0, sysmon and the template thread included — and any M whose result differs is the
// program's fatal error ("AllThreadsSyscall results differ between threads; runtime
// corrupted"). This does the same with one real-time signal. (glibc's setuid() does the same
// with SIGSETXID, and aborts on a difference; nsleak does not call it, so that a per-thread
// change stays per-thread and a process-wide one is the runtime's, as in Go.)
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <vector>

#include "harness/os/state_ops.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

// What the signalled threads run, and where each writes its result. Only one M runs at a time
// in controlled mode, so one AllThreadsSyscall is in flight at once.
struct PerThreadSyscall {
  long trap = 0, a1 = 0, a2 = 0, a3 = 0;
  long want = 0;  // the calling thread's result
  std::atomic<int> done{0};
  std::atomic<int> differ{0};
};
PerThreadSyscall g_call;

int per_thread_signal() { return SIGRTMIN + 2; }  // glibc keeps SIGRTMIN-2..SIGRTMIN-1 for itself

void run_per_thread_syscall(int) {
  const int saved = errno;
  const long r = ::syscall(g_call.trap, g_call.a1, g_call.a2, g_call.a3);
  const long got = r < 0 ? -errno : r;
  if (got != g_call.want) g_call.differ.fetch_add(1, std::memory_order_relaxed);
  g_call.done.fetch_add(1, std::memory_order_release);
  ::syscall(SYS_futex, &g_call.done, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
  errno = saved;
}

void install_handler() {
  static bool installed = false;
  if (installed) return;
  struct sigaction sa {};
  sa.sa_handler = run_per_thread_syscall;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(per_thread_signal(), &sa, nullptr) != 0) throw_("AllThreadsSyscall: sigaction failed");
  installed = true;
}

}  // namespace

os::SysResult AllThreadsSyscall(os::StateKind kind, long trap, long a1, long a2, long a3, const std::string& call) {
  auto& s = sched();
  M* cur = getm();
  // The calling thread first: if the call fails here, nothing else changes (Go returns early).
  const long r = ::syscall(trap, a1, a2, a3);
  os::SysResult first = os::sys_result(static_cast<int>(r < 0 ? -1 : 0), call.c_str());
  if (!first.ok()) return first;
  install_handler();
  g_call.trap = trap;
  g_call.a1 = a1;
  g_call.a2 = a2;
  g_call.a3 = a3;
  g_call.want = r;
  g_call.done.store(0);
  g_call.differ.store(0);
  std::vector<M*> targets;
  for (const auto& m : s.allm)
    if (m.get() != cur && !m->exited() && m->tid != 0) targets.push_back(m.get());
  const pid_t pid = ::getpid();
  for (M* m : targets)
    if (::syscall(SYS_tgkill, pid, m->tid, per_thread_signal()) != 0)
      throw_("AllThreadsSyscall: tgkill(" + std::to_string(m->tid) + ") failed");
  const int n = static_cast<int>(targets.size());
  for (int seen; (seen = g_call.done.load(std::memory_order_acquire)) < n;)
    ::syscall(SYS_futex, &g_call.done, FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
  if (g_call.differ.load() != 0) fatal("fatal error: AllThreadsSyscall results differ between threads; runtime corrupted");
  // Bookkeeping: what the call made of each thread depends on that thread's own state (an
  // unprivileged setuid(2) sets the effective id only), so each M's value is read back, as
  // the cwd is after setns(CLONE_NEWNS).
  const os::UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));  // os::own_entry_path's why
  cur->ns[os::index(kind)] = os::current_value(kind);
  for (M* m : targets) {
    char tid[16];
    std::snprintf(tid, sizeof tid, "%d", static_cast<int>(m->tid));
    m->ns[os::index(kind)] = os::task_value(proc.get(), tid, kind);
  }
  return first;
}

bool AllThreadsSyscallPolicy() { return sched().policy.all_threads_syscall; }

}  // namespace nsleak::rt
