#include "harness/scenario/file_text.hpp"

#include <fcntl.h>
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
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_unreadable(path, "cannot open file", errno);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_unreadable(path, "cannot read file", errno);
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxFileBytes)
      throw ParseError(Location{path, 0, 0},
                       "file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
  }
}

}  // namespace nsleak::scenario
