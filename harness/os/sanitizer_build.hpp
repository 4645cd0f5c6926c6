// Which sanitizer runtime this build links (ci/sanitize's ASan+UBSan and TSan builds): the
// few places that must tell the sanitizer about something it cannot see — a G's stack switch
// (runtime/gcontext.cpp), the syscalls its runtime makes inside the sandbox's seccomp allowlist
// (sandbox/syscall_filter.cpp) — test these, so a normal build compiles none of it.
// GCC defines __SANITIZE_*__; Clang answers __has_feature.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define NSLEAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSLEAK_ASAN 1
#endif
#endif
#ifndef NSLEAK_ASAN
#define NSLEAK_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define NSLEAK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NSLEAK_TSAN 1
#endif
#endif
#ifndef NSLEAK_TSAN
#define NSLEAK_TSAN 0
#endif

namespace nsleak::os {

inline constexpr bool kAddressSanitizer = NSLEAK_ASAN != 0;
inline constexpr bool kThreadSanitizer = NSLEAK_TSAN != 0;
inline constexpr bool kSanitizerBuild = kAddressSanitizer || kThreadSanitizer;

}  // namespace nsleak::os
