// Fault injection for namespace syscalls, carried out by the kernel itself.
//
// A scenario op `{"op":"setns","fail":"EPERM"}` must fail the way a real restore fails, so the
// harness does not fake the return value: it makes the *real* syscall, marked so that the
// sandbox's seccomp filter (harness/sandbox/fault_filter.cpp) answers it with the errno.
//   setns:   the low 7 bits of nstype (arg 1) carry i+1;
//   unshare: the low 7 bits of the flags (arg 0) carry i+1.
// Those are the CSIGNAL bits, which neither call accepts (bit 7 of that byte is CLONE_NEWTIME,
// 0x80, which both do): a marked call without the filter is EINVAL from the kernel, never a
// success, and an unmarked call — whatever its fd, whatever the number of namespaces open —
// never matches a fault rule. i is the errno's index in kFaultErrnos. Ops without `fail`
// never match the filter.
#pragma once

#include <cerrno>
#include <array>
#include <optional>
#include <string>

namespace nsleak::os {

inline constexpr std::array<int, 7> kFaultErrnos{EPERM, EINVAL, EBADF, ENOMEM, EUSERS, ENOSPC,
                                                 EACCES};
inline constexpr unsigned kFaultMarkerMask = 0x7f;  // CSIGNAL
static_assert(kFaultErrnos.size() <= kFaultMarkerMask, "every index + 1 fits in the marker bits");

// The marker bits for `fail_errno` (0 when it is 0 or not injectable).
unsigned fault_marker(int fail_errno);

// A new OS thread that cannot be created (clone failing with EAGAIN, as when RLIMIT_NPROC or
// threads-max is reached): the runtime makes this clone instead of pthread_create's, and the
// filter answers it EAGAIN. CLONE_THREAD without CLONE_SIGHAND is EINVAL for the kernel, so
// even unfiltered it never creates anything; the CSIGNAL bits make it unmistakable.
inline constexpr unsigned long kNewThreadFaultFlags = 0x00010000UL /* CLONE_THREAD */ | kFaultMarkerMask;
inline constexpr int kNewThreadFaultErrno = EAGAIN;
// Makes that clone; returns its errno (EAGAIN under the sandbox's filter).
int clone_new_thread_fault();

std::optional<std::size_t> fault_index(int err);  // index in kFaultErrnos
std::optional<int> errno_from_name(const std::string& name);  // "EPERM" -> EPERM, injectable only
std::string errno_name(int err);                               // EPERM -> "EPERM"

}  // namespace nsleak::os
