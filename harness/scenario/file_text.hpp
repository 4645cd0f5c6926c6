// Reading an input file (a scenario or a policy) whole, with every failure a ParseError that
// names the path: a missing or unreadable file, a directory, a file over the size limit.
//
// "-" is standard input (named "<stdin>" in errors), read to its end as any program's stdin.
// A FIFO is read too, as `cat` would, except that it never blocks forever: it is opened
// without waiting for a writer, and when no writer has sent anything (or closed it) for
// kFifoIdleSeconds the read is an error naming the path.
#pragma once

#include <cstddef>
#include <string>

namespace nsleak::scenario {

inline constexpr std::size_t kMaxFileBytes = 16u << 20;  // far above any real scenario or policy
inline constexpr int kFifoIdleSeconds = 5;
inline constexpr const char* kStdinName = "<stdin>";

// The contents of `path`. Throws ParseError at `path:0:0` ("cannot open file: ...",
// "cannot read file: Is a directory", "file is larger than 16 MiB", "FIFO: no writer sent anything for 5 s").
std::string read_text_file(const std::string& path);

}  // namespace nsleak::scenario
