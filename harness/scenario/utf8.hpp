// UTF-8 validation as RFC 3629 defines it: no overlong forms, no surrogates, nothing above
// U+10FFFF. Scenario files must be UTF-8, and error messages must stay valid UTF-8 too.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nsleak::scenario {

// Length of the well-formed sequence starting at s[i], or 0 when s[i] does not start one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Offset of the first byte that does not start a well-formed sequence, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);

// The code point of the well-formed sequence at s[i] and its length in `len` (0 when s[i]
// does not start one; the result is then meaningless).
char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t& len);

// `s` with every byte that does not start a well-formed sequence replaced by U+FFFD: file
// paths are whatever bytes the file system holds, but JSON and XML output must be UTF-8.
std::string valid_utf8(std::string_view s);

// True for 10xxxxxx bytes, which continue a code point rather than start one.
inline bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace nsleak::scenario
