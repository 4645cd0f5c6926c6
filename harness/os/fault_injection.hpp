// Fault injection for namespace syscalls, carried out by the kernel itself.
//
// A scenario op `{"op":"setns","fail":"EPERM"}` must fail the way a real restore fails, so the
// harness does not fake the return value: it makes the *real* syscall, marked so that the
// sandbox's seccomp filter (harness/sandbox/fault_filter.cpp) answers it with the errno.
//   setns:   the namespace fd is dup'ed onto kFaultFdBase + i, the filter matches arg0;
//   unshare: the low 7 bits of the flags (CSIGNAL bits, never valid for unshare) carry i+1;
//            bit 7 of that byte is CLONE_NEWTIME (0x80), which unshare does accept.
// i is the errno's index in kFaultErrnos. Ops without `fail` never match the filter.
#pragma once

#include <cerrno>
#include <array>
#include <optional>
#include <string>

namespace nsleak::os {

inline constexpr std::array<int, 7> kFaultErrnos{EPERM, EINVAL, EBADF, ENOMEM, EUSERS, ENOSPC,
                                                 EACCES};
inline constexpr int kFaultFdBase = 900;
inline constexpr unsigned kFaultUnshareMask = 0x7f;
static_assert(kFaultErrnos.size() <= kFaultUnshareMask, "every index + 1 fits in the marker bits");

std::optional<std::size_t> fault_index(int err);  // index in kFaultErrnos
std::optional<int> errno_from_name(const std::string& name);  // "EPERM" -> EPERM, injectable only
std::string errno_name(int err);                               // EPERM -> "EPERM"

}  // namespace nsleak::os
