#include "harness/sandbox/violation.hpp"

#include <seccomp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>

#include "harness/os/state_kind.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/trace/record.hpp"

namespace nsleak::sandbox {
namespace {

trace::TraceBuffer* g_out = nullptr;  // the child's trace; set once, before any thread exists

std::uint64_t syscall_arg(const ucontext_t* uc, int i) {
#if defined(__x86_64__)
  static constexpr int kRegs[] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
  return static_cast<std::uint64_t>(uc->uc_mcontext.gregs[kRegs[i]]);
#elif defined(__aarch64__)
  return uc->uc_mcontext.regs[i];
#else
  (void)uc;
  (void)i;
  return 0;
#endif
}

// Async-signal-safe: a memcpy into the shared trace and exit_group. The trapped thread holds
// the runtime's baton (one M runs at a time), so it is the trace's only writer.
void on_sigsys(int, siginfo_t* si, void* ctx) {
  trace::SandboxViolation v;
  v.nr = si->si_syscall;
  v.arch = si->si_arch;
  v.tid = static_cast<std::int32_t>(::syscall(SYS_gettid));
  const auto* uc = static_cast<const ucontext_t*>(ctx);
  for (int i = 0; i < trace::SandboxViolation::kArgs; ++i) v.args[i] = syscall_arg(uc, i);
  if (g_out != nullptr) g_out->append(trace::encode(v));
  ::syscall(SYS_exit_group, rt::kChildExitSandboxViolation);
}

// "CLONE_NEWNET|CLONE_NEWUTS|0x3": the flags the state table names, the rest in hex.
std::string flag_text(std::uint64_t flags) {
  std::string out;
  for (const auto& k : os::state_kinds()) {
    const auto f = static_cast<std::uint64_t>(static_cast<unsigned>(k.clone_flag));
    if (f != 0 && (flags & f) == f) {
      out += (out.empty() ? "" : "|") + std::string(k.flag_name);
      flags &= ~f;
    }
  }
  if (flags != 0 || out.empty()) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(flags));
    out += (out.empty() ? "" : "|") + std::string(hex);
  }
  return out;
}

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void catch_violations(trace::TraceBuffer& out) {
  g_out = &out;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSYS, &sa, nullptr);
}

std::string describe_violation(const trace::SandboxViolation& v) {
  char* name = seccomp_syscall_resolve_num_arch(v.arch, v.nr);
  std::string call = name != nullptr ? name : "syscall " + std::to_string(v.nr);
  std::free(name);
  if (v.arch != seccomp_arch_native()) call += " (foreign ABI " + hex(v.arch) + ")";
  std::string args;
  if (call == "unshare") args = flag_text(v.args[0]);
  else if (call == "setns") args = std::to_string(static_cast<std::int64_t>(v.args[0])) + ", " + flag_text(v.args[1]);
  else if (call == "clone") args = hex(v.args[0]);
  else args = hex(v.args[0]) + ", " + hex(v.args[1]) + ", " + hex(v.args[2]);
  return call + "(" + args + ")";
}

}  // namespace nsleak::sandbox
