#include "harness/scenario/file_text.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "harness/scenario/parser.hpp"

namespace nsleak::scenario {
namespace {

// Owns a file descriptor for the length of a read.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void throw_unreadable(const std::string& path, const char* what, int err) {
  throw ParseError(Location{path, 0, 0},
                   std::string(what) + ": " + std::generic_category().message(err));
}

}  // namespace

std::string read_text_file(const std::string& path) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? kStdinName : path;
  // O_NONBLOCK: opening a FIFO must not wait for a writer. Cleared below for what is not one.
  const FileDescriptor fd(from_stdin ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
                                     : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw_unreadable(name, "cannot open file", errno);
  struct stat st {};
  const bool fifo = !from_stdin && ::fstat(fd.get(), &st) == 0 && S_ISFIFO(st.st_mode);
  if (!fifo && !from_stdin) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    if (fifo) {
      // Wait for data or the end: a writer's bytes (POLLIN), its close (POLLHUP). With no
      // writer yet, poll waits for one, up to the idle limit, where read would say EOF.
      pollfd p{fd.get(), POLLIN, 0};
      const int rc = ::poll(&p, 1, kFifoIdleSeconds * 1000);
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0)
        throw ParseError(Location{name, 0, 0},
                         "FIFO: no writer sent anything for " + std::to_string(kFifoIdleSeconds) + " s");
    }
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || (fifo && errno == EAGAIN))) continue;
    if (n < 0) throw_unreadable(name, "cannot read file", errno);
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxFileBytes)
      throw ParseError(Location{name, 0, 0},
                       "file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
  }
}

}  // namespace nsleak::scenario
