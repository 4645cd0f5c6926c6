#include "harness/sandbox/notify_filter.hpp"

#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "harness/sandbox/bpf_export.hpp"

namespace nsleak::sandbox {
namespace {

struct ReleaseFilter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterCtx = std::unique_ptr<void, ReleaseFilter>;

std::string fail(const char* what, int rc) { return std::string(what) + ": " + std::strerror(-rc); }

bool send_fd(int sock, int fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
}

NotifyFilter compile_notify_filter(NotifiedCalls calls) {
  NotifyFilter f;
  FilterCtx ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    f.error = "seccomp_init failed";
    return f;
  }
  for (std::size_t i = 0; i < kNotifiedSyscalls.size(); ++i) {
    if (!(calls & (NotifiedCalls{1} << i))) continue;
    const int nr = seccomp_syscall_resolve_name(kNotifiedSyscalls[i]);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture (fork on arm64)
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0); rc < 0) {
      f.error = fail("seccomp_rule_add(notify)", rc);
      return f;
    }
  }
  f.error = export_bpf(ctx.get(), f.code);
  return f;
}

}  // namespace

const NotifyFilter& process_notify_filter(NotifiedCalls calls) {
  // A process asks for one or two sets (observe's all, the audit's few): compiled once each,
  // before a fork, never on a run's path. std::map nodes stay put, so the reference lasts.
  static std::mutex mu;
  static std::map<NotifiedCalls, NotifyFilter> compiled;
  const std::lock_guard lock(mu);
  auto it = compiled.find(calls);
  if (it == compiled.end()) it = compiled.emplace(calls, compile_notify_filter(calls)).first;
  return it->second;
}

std::string install_notify_filter(const NotifyFilter& f, int sock) {
  if (!f.error.empty()) return f.error;
  // As libseccomp's seccomp_load does (SCMP_FLTATR_CTL_NNP): no_new_privs lets the load work
  // without privilege. NEW_LISTENER makes the load return the listener fd.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
  const sock_fprog prog{static_cast<unsigned short>(f.code.size()), const_cast<sock_filter*>(f.code.data())};
  const int fd = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
  if (fd < 0) return std::string("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER): ") + std::strerror(errno);
  const bool sent = send_fd(sock, fd);
  const int err = errno;
  ::close(fd);  // the program under observation must not hold its own listener
  ::close(sock);
  return sent ? std::string() : std::string("sending the seccomp listener: ") + std::strerror(err);
}

int receive_listener(int sock, pid_t child, int timeout_ms) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  pollfd p[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
  const int rc = ::poll(p, pidfd >= 0 ? 2 : 1, timeout_ms);
  if (pidfd >= 0) ::close(pidfd);
  if (rc <= 0 || !(p[0].revents & POLLIN)) return -1;
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  const cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

}  // namespace nsleak::sandbox
