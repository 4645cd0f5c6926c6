#include "harness/sandbox/bpf_export.hpp"

#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/os/unique_fd.hpp"

namespace nsleak::sandbox {

std::string export_bpf(void* ctx, std::vector<sock_filter>& out) {
  out.clear();
  // seccomp_export_bpf writes the program to an fd: a pipe's default 64 KiB holds the largest
  // the kernel takes (BPF_MAXINSNS, 4096 instructions of 8 bytes).
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  const os::UniqueFd rd(fds[0]), wr(fds[1]);
  if (int rc = seccomp_export_bpf(ctx, wr.get()); rc < 0) return std::string("seccomp_export_bpf: ") + std::strerror(-rc);
  std::vector<char> bytes;
  char buf[4096];
  ::fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  for (ssize_t n; (n = ::read(rd.get(), buf, sizeof buf)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
    return "seccomp_export_bpf: " + std::to_string(bytes.size()) + " bytes, not whole instructions";
  out.resize(bytes.size() / sizeof(sock_filter));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return {};
}

}  // namespace nsleak::sandbox
