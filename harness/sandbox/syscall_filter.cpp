#include "harness/sandbox/syscall_filter.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <vector>

#include "harness/os/sanitizer_build.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/sandbox/bpf_export.hpp"
#include "harness/sandbox/fault_filter.hpp"

namespace nsleak::sandbox {
namespace {

// libseccomp's context, owned (seccomp_release is its cleanup).
struct ReleaseFilter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterCtx = std::unique_ptr<void, ReleaseFilter>;

std::string fail(const std::string& what, int rc) { return what + ": " + std::strerror(-rc); }

// Allowed without an argument filter. Grouped by who needs them; the names are the kernel's.
constexpr const char* kAllowed[] = {
    // memory: malloc, G stacks (mmap + guard page), the trace buffer's pages
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise",
    // threads (Ms), their parking and their exit; glibc's per-thread set-up
    "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "gettid", "getpid",
    "getppid", "exit", "exit_group", "sched_yield", "sched_getaffinity", "sched_setaffinity",
    "getcpu", "restart_syscall", "membarrier",
    // signals: the sandbox's own set-up, glibc's abort(), a handler's return
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    // time: the runtime's clock and sleeps (the vDSO usually answers; a fallback may not)
    "clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep", "poll", "ppoll",
    "select", "pselect6", "pause",
    // the observer and the ops: /proc/self/task/*/ns/*, cwd, namespace fds
    "openat", "open", "close", "read", "pread64", "write", "lseek", "fcntl", "dup", "dup2", "dup3",
    "newfstatat", "fstat", "stat", "lstat", "statx", "getdents64", "readlink", "readlinkat",
    "access", "faccessat", "faccessat2", "statfs", "fstatfs", "getcwd", "chdir", "fchdir",
    // per-thread credentials, priority and identity: state kinds beyond namespaces
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setresuid",
    "setresgid", "setuid", "setgid", "setreuid", "setregid", "setgroups", "setfsuid", "setfsgid",
    "getpriority", "setpriority", "sethostname", "setdomainname", "uname", "capget",
    // the exec probe: a pipe, posix_spawn, the waited-for child, and that child's dynamic loader
    "pipe2", "execve", "wait4", "waitid", "arch_prctl", "prlimit64", "getrandom",
};

// A sanitizer build's runtime (ci/sanitize) makes a few calls of its own in the child, beyond
// what the program's code does; allowed in those builds only (os/sanitizer_build.hpp), so a
// normal build's allowlist is exactly the list above.
constexpr const char* kSanitizerRuntime[] = {
    // UBSan's -fsanitize=vptr reads a vtable's prefix only after IsAccessibleMemoryRange, which
    // writes the range into a pipe(2) (not pipe2) and closes it
    "pipe",
    // a report's log file (ci/sanitize's log_path): the runtime mkdir(2)s each parent directory
    // before opening it, taking EEXIST as success; trapped, a sandbox child's report was lost
    // and its run ended as a sandbox violation instead
    "mkdir",
};

// glibc's pthread_create (clone fallback when clone3 is ENOSYS) and posix_spawn.
constexpr scmp_datum_t kThreadCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SIGHAND |
                                           CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                           CLONE_CHILD_CLEARTID;
constexpr scmp_datum_t kSpawnCloneFlags = CLONE_VM | CLONE_VFORK | SIGCHLD;

std::string add_allowed(scmp_filter_ctx ctx) {
  std::vector<const char*> names(std::begin(kAllowed), std::end(kAllowed));
  if constexpr (os::kSanitizerBuild) names.insert(names.end(), std::begin(kSanitizerRuntime), std::end(kSanitizerRuntime));
  for (const char* name : names) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on this architecture (open, stat...)
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0); rc < 0) return fail(std::string("allow ") + name, rc);
  }
  return {};
}

// What the tgkill and kill rules compare with until load_syscall_filter patches in the pid:
// above any pid_max (at most 2^22), so no other comparison of the filter can hold it.
constexpr std::uint32_t kPidPlaceholder = 0x7ffffff1;

std::string add_filtered(scmp_filter_ctx ctx) {
  struct Rule {
    const char* what;
    int nr;
    scmp_arg_cmp cmp;
  };
  scmp_datum_t unshare_flags = 0;
  for (const auto& k : os::state_kinds())
    unshare_flags |= static_cast<scmp_datum_t>(k.clone_flag) | static_cast<scmp_datum_t>(k.implied_flags);
  const auto self = static_cast<scmp_datum_t>(kPidPlaceholder);
  std::vector<Rule> rules{
      // only flags of the state table: no bit outside them (a marked call is a fault rule's)
      {"unshare", SCMP_SYS(unshare), SCMP_A0(SCMP_CMP_MASKED_EQ, ~unshare_flags & 0xffffffffu, 0)},
      {"clone (thread)", SCMP_SYS(clone), SCMP_A0(SCMP_CMP_EQ, kThreadCloneFlags)},
      {"clone (posix_spawn)", SCMP_SYS(clone), SCMP_A0(SCMP_CMP_EQ, kSpawnCloneFlags)},
      {"tgkill (own process)", SCMP_SYS(tgkill), SCMP_A0(SCMP_CMP_EQ, self)},
      {"kill (own process)", SCMP_SYS(kill), SCMP_A0(SCMP_CMP_EQ, self)},
      {"prctl PR_SET_NAME", SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)},
      {"prctl PR_GET_NAME", SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME)},
      {"prctl PR_CAPBSET_READ", SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ)},
      {"ioctl TCGETS", SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, TCGETS)},
      {"ioctl TIOCGWINSZ", SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ)},
  };
  // setns: exactly one namespace row's flag (0 would enter an fd of any type).
  for (const auto& k : os::state_kinds())
    if (os::is_namespace(k.kind))
      rules.push_back({"setns", SCMP_SYS(setns), SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(k.clone_flag))});
  for (const auto& r : rules)
    if (int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r.nr, 1, &r.cmp); rc < 0)
      return fail(std::string("allow ") + r.what, rc);
  // clone3's flags are in memory seccomp cannot read: ENOSYS makes glibc use clone instead.
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); rc < 0)
    return fail("clone3 -> ENOSYS", rc);
  return {};
}

}  // namespace

std::string compile_syscall_filter(SyscallFilter& out) {
  out = {};
  FilterCtx ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) return "seccomp_init failed";
  // A syscall of another ABI (int 0x80 on x86_64) is a violation too, not a silent kill.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP); rc < 0)
    return fail("seccomp_attr_set(BADARCH)", rc);
  // A binary tree of syscall numbers instead of a chain: the same rules, found in a few
  // comparisons instead of up to one per allowed syscall — by every syscall of the run, and by
  // the kernel's load, which runs the filter for each syscall number to build its cache.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    return fail("seccomp_attr_set(CTL_OPTIMIZE, 2)", rc);
  for (auto add : {add_allowed, add_filtered, add_fault_rules})
    if (std::string err = add(ctx.get()); !err.empty()) return err;
  if (std::string err = export_bpf(ctx.get(), out.code); !err.empty()) return err;
  for (std::size_t i = 0; i < out.code.size(); ++i)
    if (out.code[i].k == kPidPlaceholder) {
      if (out.code[i].code != (BPF_JMP | BPF_JEQ | BPF_K)) return "seccomp filter: the pid placeholder outside a comparison";
      out.pid_at.push_back(i);
    }
  if (out.pid_at.empty()) return "seccomp filter: the tgkill/kill pid comparisons were not found";
  return {};
}

std::string load_syscall_filter(SyscallFilter& f) {
  if (f.code.empty()) return "seccomp filter: not compiled";
  const auto self = static_cast<std::uint32_t>(::getpid());
  for (const std::size_t i : f.pid_at) f.code[i].k = self;
  // As libseccomp's seccomp_load does (SCMP_FLTATR_CTL_NNP): no_new_privs makes the load work
  // without privilege and keeps an exec'ed program from gaining any.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
  const sock_fprog prog{static_cast<unsigned short>(f.code.size()), f.code.data()};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    return std::string("seccomp(SECCOMP_SET_MODE_FILTER): ") + std::strerror(errno);
  return {};
}

CompiledSyscallFilter& process_syscall_filter() {
  static CompiledSyscallFilter compiled = [] {
    CompiledSyscallFilter c;
    c.error = compile_syscall_filter(c.filter);
    return c;
  }();
  return compiled;
}

}  // namespace nsleak::sandbox
