// Reading an input file (a scenario or a policy) whole, with every failure a ParseError that
// names the path: a missing or unreadable file, a directory, a file over the size limit.
#pragma once

#include <cstddef>
#include <string>

namespace nsleak::scenario {

inline constexpr std::size_t kMaxFileBytes = 16u << 20;  // far above any real scenario or policy

// The contents of `path`. Throws ParseError at `path:0:0` ("cannot open file: ...",
// "cannot read file: Is a directory", "file is larger than 16 MiB").
std::string read_text_file(const std::string& path);

}  // namespace nsleak::scenario
