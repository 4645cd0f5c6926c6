// What the sandbox child must not inherit from whoever ran nsleak: open file descriptors and
// the environment. Both are per-process, so this runs once in the still single-threaded child.
#pragma once

#include <span>
#include <string>

namespace nsleak::sandbox {

// The environment every run gets, whatever the invoker's: PATH of the system directories only
// (nothing the exec op runs is looked up in it; it is for the programs those run), LC_ALL=C.
inline constexpr const char* kSandboxPath = "/usr/sbin:/usr/bin:/sbin:/bin";

// Closes every fd above stderr but those in `keep` (close_range(2); at most 80 kept) and
// replaces the environment by the fixed one. Returns an error message, empty on success.
std::string clean_process(std::span<const int> keep = {});

}  // namespace nsleak::sandbox
