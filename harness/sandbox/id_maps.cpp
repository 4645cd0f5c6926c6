#include "harness/sandbox/id_maps.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/os/unique_fd.hpp"

namespace nsleak::sandbox {
namespace {

constexpr const char* kIdentityMap = "0 0 65536";

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

// The helper: outside the new namespace, with the parent namespace's capabilities.
[[noreturn]] void helper_main(int go, pid_t target) {
  char byte = 0;
  while (::read(go, &byte, 1) < 0 && errno == EINTR) {
  }
  if (byte != 1) ::_exit(2);  // the caller gave up before unsharing
  std::string err;
  const std::string dir = "/proc/" + std::to_string(target);
  const bool ok = write_file(dir + "/uid_map", kIdentityMap, err) && write_file(dir + "/gid_map", kIdentityMap, err);
  ::_exit(ok ? 0 : 1);
}

}  // namespace

IdMapHelper::IdMapHelper() {
  if (::geteuid() != 0) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  const pid_t target = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    helper_main(fds[0], target);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  pid_ = pid;
  go_ = fds[1];
}

IdMapHelper::~IdMapHelper() {
  if (go_ >= 0) ::close(go_);  // a helper still waiting reads EOF and exits
  if (pid_ > 0)
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

bool IdMapHelper::write(uid_t uid, gid_t gid, std::string& err) {
  if (pid_ > 0) {
    const char one = 1;
    const bool sent = ::write(go_, &one, 1) == 1;
    ::close(go_);
    go_ = -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (sent && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    // A root without CAP_SETUID over its namespace (some containers): the single map below.
  }
  return write_file("/proc/self/setgroups", "deny", err) &&
         write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1", err) &&
         write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1", err);
}

}  // namespace nsleak::sandbox
