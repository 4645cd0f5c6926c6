#include "harness/cli/report_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <streambuf>

#include "harness/cli/exit_codes.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/runtime/bad_input.hpp"

namespace nsleak::cli {
namespace {

namespace fs = std::filesystem;

// Standard output's own buffer once claim_stdout moved std::cout to stderr; null before.
std::streambuf* g_report_stdout = nullptr;

int cannot_write(std::string_view what, const std::string& path, int err) {
  std::cerr << "nsleak: cannot write " << what << " to " << (path == kStdoutPath ? "standard output" : path)
            << ": " << (err != 0 ? std::strerror(err) : "write error") << "\n";
  return kBadInput;
}

// Writes all of `text` to `fd`; 0 or the errno.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// An output stream's buffer over a file descriptor that keeps the first write error's errno
// (std::ofstream's only says that something failed): a streamed report's errors name it.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  FdBuf(const FdBuf&) = delete;
  FdBuf& operator=(const FdBuf&) = delete;
  // 0 once everything written so far is in the file, else the errno.
  int finish() {
    sync();
    return err_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (drain() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n > static_cast<std::streamsize>(epptr() - pptr())) {  // large pieces go straight through
      if (drain() != 0) return 0;
      if (n >= static_cast<std::streamsize>(buf_.size())) {
        err_ = write_all(fd_, std::string_view(s, static_cast<std::size_t>(n)));
        return err_ == 0 ? n : 0;
      }
    }
    std::memcpy(pptr(), s, static_cast<std::size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }
  int sync() override { return drain() == 0 ? 0 : -1; }

 private:
  int drain() {
    if (err_ == 0 && pptr() > pbase())
      err_ = write_all(fd_, std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())));
    setp(buf_.data(), buf_.data() + buf_.size());
    return err_;
  }
  int fd_;
  std::vector<char> buf_;
  int err_ = 0;
};

// Streams `write` into `fd`: 0 or the errno of the first failed write.
int write_all(int fd, const ReportWriter& write) {
  FdBuf buf(fd);
  std::ostream out(&buf);
  write(out);
  out.flush();
  return buf.finish();
}

int write_stdout(const ReportWriter& write, std::string_view what) {
  std::ostream out(g_report_stdout != nullptr ? g_report_stdout : std::cout.rdbuf());
  write(out);
  out.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (out && flushed && !std::ferror(stdout)) return kOk;
  return cannot_write(what, std::string(kStdoutPath), errno);
}

// A target that is not a regular file: written in place. A FIFO is opened without blocking
// (no reader is ENXIO, not a hang), then written normally.
int write_in_place(const std::string& path, const ReportWriter& write, std::string_view what) {
  os::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return cannot_write(what, path, errno);
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  if (const int err = write_all(fd.get(), write); err != 0) return cannot_write(what, path, err);
  if (::close(fd.release()) != 0) return cannot_write(what, path, errno);
  return kOk;
}

// The mode a new report gets: the target's, if it exists, else 0666 less the umask.
mode_t report_mode(const struct stat* existing) {
  if (existing != nullptr) return existing->st_mode & 07777;
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return 0666 & ~mask;
}

// SIGINT, SIGTERM and SIGHUP wait while a temporary file exists, so an interrupted command
// leaves no temporary beside the report (SIGKILL still can).
class HoldSignals {
 public:
  HoldSignals() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&s, sig);
    ::pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~HoldSignals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  HoldSignals(const HoldSignals&) = delete;
  HoldSignals& operator=(const HoldSignals&) = delete;

 private:
  sigset_t old_{};
};

int replace_atomically(const std::string& path, const std::string& target, const struct stat* existing,
                       const ReportWriter& write, std::string_view what) {
  const fs::path t(target);
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + t.filename().string() + ".nsleak-XXXXXX")).string();
  HoldSignals hold;
  os::UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return cannot_write(what, path, errno);
  int err = 0;
  try {
    err = write_all(fd.get(), write);
  } catch (...) {  // a writer that throws leaves no temporary behind
    ::unlink(tmp.c_str());
    throw;
  }
  if (err == 0 && ::fchmod(fd.get(), report_mode(existing)) != 0) err = errno;
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  if (err == 0 && ::close(fd.release()) != 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return cannot_write(what, path, err);
  }
  // The rename itself is durable once the directory is: best effort (a read-only directory
  // fd cannot always be fsync'ed, and the report is already in place).
  if (const os::UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); d.valid()) ::fsync(d.get());
  return kOk;
}

}  // namespace

int write_report(const std::string& path, std::string_view text, std::string_view what) {
  return write_report(path, [text](std::ostream& out) { out.write(text.data(), static_cast<std::streamsize>(text.size())); },
                      what);
}

int write_report(const std::string& path, const ReportWriter& write, std::string_view what) {
  if (path == kStdoutPath) return write_stdout(write, what);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode)) return cannot_write(what, path, EISDIR);
      return write_in_place(path, write, what);
    }
    // Replace the file a symlink points to, not the symlink.
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    return replace_atomically(path, ec ? path : real.string(), &st, write, what);
  }
  if (errno != ENOENT) return cannot_write(what, path, errno);
  return replace_atomically(path, path, nullptr, write, what);
}

int append_report(const std::string& path, const ReportWriter& write, std::string_view what, std::uintmax_t keep) {
  struct stat st {};
  if (path == kStdoutPath || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return write_report(path, write, what);
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return cannot_write(what, path, errno);
  // The kept contents are copied a buffer at a time into the new file, then the new text. A
  // read error abandons the new file: the target keeps what it had.
  struct ReadFailed {
    int err;
  };
  try {
    return write_report(
      path,
      [&](std::ostream& out) {
        char buf[1 << 16];
        for (std::uintmax_t left = keep; left > 0;) {
          const ssize_t n = ::read(fd.get(), buf, static_cast<std::size_t>(std::min<std::uintmax_t>(left, sizeof buf)));
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw ReadFailed{errno};
          if (n == 0) break;
          out.write(buf, n);
          left -= static_cast<std::uintmax_t>(n);
        }
        write(out);
      },
      what);
  } catch (const ReadFailed& e) {
    return cannot_write(what, path, e.err);
  }
}

void claim_stdout(const std::vector<std::pair<std::string_view, const std::string*>>& outputs,
                  std::string_view stdout_taken_by) {
  std::string first(stdout_taken_by);
  for (const auto& [option, path] : outputs) {
    if (*path != kStdoutPath) continue;
    if (!first.empty())
      throw rt::BadInput(std::string(option) + " - and " + first +
                         " both write to standard output: give one of them a file");
    first = std::string(option) + " -";
  }
  if (!first.empty() && stdout_taken_by.empty() && g_report_stdout == nullptr)
    g_report_stdout = std::cout.rdbuf(std::cerr.rdbuf());
}

void reserve_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      // The lowest free fd is `fd` itself: the ones below it are open (or were just reserved).
      const int got = ::open("/dev/null", O_RDONLY);
      if (got >= 0 && got != fd) ::close(got);
    }
}

int finish_stdout() {
  if (g_report_stdout != nullptr) std::cout.rdbuf(g_report_stdout);  // back, to flush it
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  int err = errno;
  if (std::cout && flushed && !std::ferror(stdout)) return kOk;
  // A write that failed earlier (output larger than stdio's buffer) left no errno: one more
  // byte asks the kernel again. The output is already incomplete, so a stray newline is harmless.
  if (err == 0 && ::write(STDOUT_FILENO, "\n", 1) < 0) err = errno;
  std::cerr << "nsleak: cannot write to standard output: " << (err != 0 ? std::strerror(err) : "write error") << "\n";
  return kBadInput;
}

}  // namespace nsleak::cli
