#include "harness/scenario/scenario.hpp"

#include <array>
#include <cstdlib>

namespace nsleak::scenario {
namespace {

// Indexed by OpKind; the order is the enum's declaration order.
// The public ops; the test-only ones after them are named by kTestOpNames.
constexpr std::array<const char*, 27> kOpNames{
    "lock",    "unlock",      "unshare", "setns",  "get",     "go",      "call",
    "send",    "recv",        "close",   "wg_add", "wg_done", "wg_wait", "yield",
    "syscall", "sleep",       "exec",    "expect", "repeat",  "exit",    "chdir",
    "setuid",  "setgid",      "setaffinity", "setnice", "tid",     "until",
};
constexpr std::array<const char*, 1> kTestOpNames{"test_forbidden_syscall"};
static_assert(kOpNames.size() + kTestOpNames.size() == static_cast<std::size_t>(OpKind::TestForbiddenSyscall) + 1,
              "kOpNames and kTestOpNames must name every OpKind");

// What each op stands for in Go, indexed by OpKind (`nsleak list ops`, docs/scenario-format.md).
constexpr std::array<const char*, 27> kOpGo{
    "runtime.LockOSThread(): wire this goroutine to its thread (counted; nests)",
    "runtime.UnlockOSThread(): undo one lock; at zero the thread may run any goroutine",
    "netns.New(): unshare(CLONE_NEW<ns>) on the current thread, which now is in a new namespace",
    "netns.Set(h): setns(fd, CLONE_NEW<ns>) on the current thread",
    "netns.Get(): read the current thread's namespace and name it (the goroutine's belief)",
    "go fn(): a new goroutine, on whatever thread the scheduler gives it",
    "fn(): run a function's ops inline, as a library call would",
    "ch <- v on an unbuffered channel: blocks until a receiver takes it",
    "<-ch: blocks until a sender (or close) arrives",
    "close(ch): wakes every receiver",
    "wg.Add(n)",
    "wg.Done()",
    "wg.Wait(): blocks until the count is zero",
    "runtime.Gosched(): back to the run queue; another goroutine may run on this thread",
    "a syscall: entersyscall keeps the P (sysmon may retake it); \"blocking\": entersyscallblock hands it off",
    "time.Sleep(ms): parks the goroutine; its thread runs others meanwhile",
    "exec.Command(...).Run(): fork/exec a child, which starts in the calling thread's namespaces",
    "if ns, _ := netns.Get(); !ns.Equal(want) {...}: the author's belief, checked against the kernel",
    "for i := 0; i < times; i++ { body }",
    "runtime.Goexit(): the goroutine ends here; exiting locked, its thread's fate is the policy's",
    "syscall.Chdir(dir): moves every thread sharing this one's fs struct (all of them, unless it unshared CLONE_FS)",
    "syscall.Setuid(uid): this thread only before go1.16; go1.16+ runs it on every thread (AllThreadsSyscall); "
    "raw: unix.RawSyscall(SYS_SETRESUID, -1, uid, -1), always this thread only",
    "syscall.Setgid(gid): as setuid, for the group ids; raw: unix.RawSyscall(SYS_SETRESGID, -1, gid, -1)",
    "unix.SchedSetaffinity(0, set): the calling thread's CPU mask",
    "syscall.Setpriority(PRIO_PROCESS, 0, nice): on Linux, the calling thread's nice value",
    "tid := syscall.Gettid(): names the OS thread the goroutine runs on now (its M's)",
    "for i := 0; i < max; i++ { body; if the named thread is gone from /proc/self/task { break } }: a polling loop",
};
static_assert(kOpGo.size() == kOpNames.size(), "kOpGo must describe every OpKind");

}  // namespace

const char* op_go(OpKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kOpGo.size() ? kOpGo[i] : "(test only) a syscall the sandbox forbids";
}

std::string Location::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

const char* op_name(OpKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kOpNames.size() ? kOpNames[i] : kTestOpNames[i - kOpNames.size()];
}

std::optional<OpKind> test_op_from_name(std::string_view name) {
  const char* on = std::getenv(kTestOpsEnv);
  if (on == nullptr || std::string_view(on) != "1") return std::nullopt;
  for (std::size_t i = 0; i < kTestOpNames.size(); ++i)
    if (name == kTestOpNames[i]) return static_cast<OpKind>(kOpNames.size() + i);
  return std::nullopt;
}

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names(kOpNames.begin(), kOpNames.end());
  return names;
}

}  // namespace nsleak::scenario
