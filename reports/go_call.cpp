#include "reports/go_call.hpp"

#include "harness/os/state_kind.hpp"

namespace nsleak::reports {
namespace {

using scenario::OpKind;

// vishvananda/netns, the library the article's program uses, covers the network namespace
// only; every other kind is the raw syscall through golang.org/x/sys/unix, with the table's flag.
bool via_netns(const scenario::Op& op) { return op.ns == os::StateKind::Net; }

std::string unix_flag(const scenario::Op& op) { return std::string("unix.") + os::info(op.ns).flag_name; }

}  // namespace

std::string go_call(const scenario::Op& op) {
  const std::string& n = op.name;
  switch (op.kind) {
    case OpKind::Lock: return "runtime.LockOSThread()";
    case OpKind::Unlock: return "runtime.UnlockOSThread()";
    case OpKind::Unshare: return via_netns(op) ? "netns.New()" : "unix.Unshare(" + unix_flag(op) + ")";
    case OpKind::Setns: return via_netns(op) ? "netns.Set(" + n + ")" : "unix.Setns(" + n + ", " + unix_flag(op) + ")";
    case OpKind::Get:
      return via_netns(op) ? "netns.Get()"
                           : std::string("os.Open(\"/proc/thread-self/") + os::info(op.ns).task_entry + "\")";
    case OpKind::Go: return "go " + n + "()";
    case OpKind::Call: return n + "()";
    case OpKind::Send: return n + " <- v";
    case OpKind::Recv: return "<-" + n;
    case OpKind::Close: return "close(" + n + ")";
    case OpKind::WgAdd: return n + ".Add(" + std::to_string(op.n) + ")";
    case OpKind::WgDone: return n + ".Done()";
    case OpKind::WgWait: return n + ".Wait()";
    case OpKind::Yield: return "runtime.Gosched()";
    case OpKind::Syscall: return "syscall.Syscall(...)";
    case OpKind::Sleep: return "time.Sleep(" + std::to_string(op.n) + " * time.Millisecond)";
    case OpKind::Exec: return "exec.Command(...).Run()";
    case OpKind::Expect: return "cur.Equal(" + n + ")";
    case OpKind::Repeat: return "for i := 0; i < " + std::to_string(op.n) + "; i++ {...}";
    case OpKind::Exit: return "runtime.Goexit()";
    case OpKind::Chdir: return "syscall.Chdir(\"" + n + "\")";
    case OpKind::Setuid:
    case OpKind::Setgid: {
      const std::string what = op.kind == OpKind::Setuid ? "uid" : "gid";
      const std::string id = std::to_string(op.n);
      if (op.raw) return "unix.RawSyscall(unix.SYS_SETRES" + std::string(op.kind == OpKind::Setuid ? "UID" : "GID") + ", -1, " + id + ", -1)";
      return std::string("syscall.Set") + what + "(" + id + ")";
    }
    case OpKind::Setaffinity: {
      std::string cpus;
      for (int c : op.cpus) cpus += (cpus.empty() ? "" : ", ") + std::to_string(c);
      return "unix.SchedSetaffinity(0, cpus(" + cpus + "))";
    }
    case OpKind::Setnice: return "syscall.Setpriority(syscall.PRIO_PROCESS, 0, " + std::to_string(op.n) + ")";
    case OpKind::Tid: return "syscall.Gettid()";
    case OpKind::Until: return "for i := 0; i < " + std::to_string(op.n) + " && tidExists(" + n + "); i++ {...}";
    // The test-only op: the query the interpreter makes, which the sandbox's allowlist forbids.
    case OpKind::TestForbiddenSyscall: return "unix.Syscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)";
  }
  return "?";
}

std::string go_statement(const scenario::Op& op) {
  const std::string call = go_call(op);
  switch (op.kind) {
    case OpKind::Unshare: return op.name.empty() ? call : op.name + ", _ := " + call;
    case OpKind::Get: return op.name.empty() ? call : op.name + ", _ := " + call;
    case OpKind::Tid: return op.name + " := " + call;
    case OpKind::Expect: return "if !" + call + " { ... }";
    default: return call;
  }
}

}  // namespace nsleak::reports
