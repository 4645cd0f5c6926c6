// SysResult: the OS layer's one error currency.
//
// Small OS functions return a SysResult instead of throwing: the scheduler calls them from
// goroutines on arbitrary Ms, and a failed syscall is an observation to record, not a C++
// error. errno is captured first, before anything else can run (nsjail's habit), and every
// message names the syscall with its flags decoded: `setns(fd 5, CLONE_NEWNET): EPERM`.
#pragma once

#include <cerrno>
#include <string>

namespace nsleak::os {

struct SysResult {
  int err = 0;          // 0 on success, else the errno
  std::string call;     // the syscall with decoded arguments, for messages
  bool ok() const { return err == 0; }
  std::string message() const;  // "setns(fd 5, CLONE_NEWNET): EPERM (hint…)"
};

// The result of a call that just returned `rc` (< 0 on failure, errno set). Read errno before
// the call text is even built: building it allocates, which may change errno.
inline SysResult sys_result(int rc, const char* call) {
  const int err = rc < 0 ? errno : 0;
  return {err, call};
}
template <class MakeCall>
SysResult sys_result(int rc, MakeCall&& make_call)
  requires requires { std::string(make_call()); }
{
  const int err = rc < 0 ? errno : 0;
  return {err, std::string(make_call())};
}
// A failure whose errno is not in errno (posix_spawn returns it, say).
inline SysResult sys_error(int err, std::string call) { return {err, std::move(call)}; }

}  // namespace nsleak::os
