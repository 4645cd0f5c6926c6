#include "harness/cli/report_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

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

int write_stdout(std::string_view text, std::string_view what) {
  std::ostream out(g_report_stdout != nullptr ? g_report_stdout : std::cout.rdbuf());
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (out && flushed && !std::ferror(stdout)) return kOk;
  return cannot_write(what, std::string(kStdoutPath), errno);
}

// A target that is not a regular file: written in place. A FIFO is opened without blocking
// (no reader is ENXIO, not a hang), then written normally.
int write_in_place(const std::string& path, std::string_view text, std::string_view what) {
  os::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return cannot_write(what, path, errno);
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  if (const int err = write_all(fd.get(), text); err != 0) return cannot_write(what, path, err);
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
                       std::string_view text, std::string_view what) {
  const fs::path t(target);
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + t.filename().string() + ".nsleak-XXXXXX")).string();
  HoldSignals hold;
  os::UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return cannot_write(what, path, errno);
  int err = write_all(fd.get(), text);
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
  if (path == kStdoutPath) return write_stdout(text, what);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode)) return cannot_write(what, path, EISDIR);
      return write_in_place(path, text, what);
    }
    // Replace the file a symlink points to, not the symlink.
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    return replace_atomically(path, ec ? path : real.string(), &st, text, what);
  }
  if (errno != ENOENT) return cannot_write(what, path, errno);
  return replace_atomically(path, path, nullptr, text, what);
}

int append_report(const std::string& path, std::string_view text, std::string_view what) {
  struct stat st {};
  if (path == kStdoutPath || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return write_report(path, text, what);
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return cannot_write(what, path, errno);
  std::string all;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cannot_write(what, path, errno);
    if (n == 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  all.append(text);
  return write_report(path, all, what);
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
