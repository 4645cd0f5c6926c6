#include "harness/sandbox/id_maps.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "harness/os/unique_fd.hpp"
#include "harness/sandbox/subordinate_ids.hpp"

namespace nsleak::sandbox {
namespace {

constexpr const char* kIdentityMap = "0 0 65536";

std::string& why_single() {
  static std::string why;
  return why;
}

bool write_file(const std::string& path, const std::string& data, std::string& err) {
  const os::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) {
    err = "open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    err = "write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// Runs newuidmap/newgidmap (`argv`, argv[0] an absolute path) with nothing of ours but an
// empty environment and a pipe for what it prints; false with its words in `err`.
bool run_tool(const std::vector<std::string>& argv, std::string& err) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    err = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* env[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), const_cast<char*>("LC_ALL=C"), nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    ::execve(args[0], args.data(), env);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string said;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    said.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  if (pid < 0) {
    err = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  err = cmd + " failed" + (WIFEXITED(status) ? " (exit " + std::to_string(WEXITSTATUS(status)) + ")" : "") +
        (said.empty() ? "" : ": " + said);
  return false;
}

// The helper: outside the new namespace, with the parent namespace's capabilities (root) or
// the setuid tools (unprivileged). It answers on `result` with its error text, if any.
[[noreturn]] void helper_main(int go, int result, pid_t target, const SubordinateMap* sub, uid_t uid, gid_t gid) {
  char byte = 0;
  while (::read(go, &byte, 1) < 0 && errno == EINTR) {
  }
  if (byte != 1) ::_exit(2);  // the caller gave up before unsharing
  std::string err;
  const std::string pid = std::to_string(target);
  bool ok = false;
  if (sub == nullptr) {
    const std::string dir = "/proc/" + pid;
    ok = write_file(dir + "/uid_map", kIdentityMap, err) && write_file(dir + "/gid_map", kIdentityMap, err);
  } else {
    const std::string n = std::to_string(sub->count);
    ok = run_tool({sub->newuidmap, pid, "0", std::to_string(uid), "1", "1", std::to_string(sub->uid_start), n}, err) &&
         run_tool({sub->newgidmap, pid, "0", std::to_string(gid), "1", "1", std::to_string(sub->gid_start), n}, err);
  }
  if (!ok && ::write(result, err.data(), err.size()) < 0) ::_exit(3);
  ::_exit(ok ? 0 : 1);
}

}  // namespace

const std::string& single_id_reason() { return why_single(); }

IdMapHelper::IdMapHelper() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  SubordinateMap sub;
  if (uid != 0) {
    sub = plan_subordinate_map(uid, gid);
    if (!sub.why_not.empty()) {
      why_single_ = sub.why_not;
      return;
    }
  }
  int go[2], result[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return;
  if (::pipe2(result, O_CLOEXEC) != 0) {
    ::close(go[0]);
    ::close(go[1]);
    return;
  }
  const pid_t target = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(result[0]);
    helper_main(go[0], result[1], target, uid == 0 ? nullptr : &sub, uid, gid);
  }
  ::close(go[0]);
  ::close(result[1]);
  if (pid < 0) {
    why_single_ = std::string("fork of the id-map helper: ") + std::strerror(errno);
    ::close(go[1]);
    ::close(result[0]);
    return;
  }
  pid_ = pid;
  go_ = go[1];
  result_ = result[0];
}

IdMapHelper::~IdMapHelper() {
  if (go_ >= 0) ::close(go_);  // a helper still waiting reads EOF and exits
  if (result_ >= 0) ::close(result_);
  if (pid_ > 0)
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

bool IdMapHelper::write(uid_t uid, gid_t gid, std::string& err) {
  why_single() = why_single_;
  bool pid_failed = false;
  if (pid_ > 0) {
    const char one = 1;
    const bool sent = ::write(go_, &one, 1) == 1;
    ::close(go_);
    go_ = -1;
    std::string said;
    char buf[512];
    for (ssize_t n; (n = ::read(result_, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      said.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (sent && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    // A root without CAP_SETUID over its namespace (some containers), or newuidmap refusing:
    // the single map below, with the helper's words as the reason.
    why_single() = said.empty() ? std::string("the id-map helper failed") : said;
    pid_failed = true;
  }
  if (write_file("/proc/self/setgroups", "deny", err) &&
      write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1", err) &&
      write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1", err))
    return true;
  // A helper that wrote one map before failing leaves it written (a map is written once).
  if (pid_failed) err = why_single() + "; then " + err;
  return false;
}

}  // namespace nsleak::sandbox
