#include "harness/scenario/quote.hpp"

#include <cstdio>

#include "harness/scenario/utf8.hpp"

namespace nsleak::scenario {
namespace {

constexpr std::size_t kMaxQuotedChars = 48;

void append_hex_escape(std::string& out, unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  out += buf;
}

// Appends the escaped form of the code point (or invalid byte) at s[i]; returns its length.
// Inside quotes, '"' and '\\' are escaped too so that the quoted text reads unambiguously.
std::size_t append_escaped_char(std::string& out, std::string_view s, std::size_t i,
                                bool in_quotes) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (in_quotes && (c == '"' || c == '\\')) {
    out += '\\';
    out += static_cast<char>(c);
    return 1;
  }
  switch (c) {
    case '\n': out += "\\n"; return 1;
    case '\r': out += "\\r"; return 1;
    case '\t': out += "\\t"; return 1;
    default: break;
  }
  if (c < 0x20 || c == 0x7F) {
    append_hex_escape(out, c);
    return 1;
  }
  const std::size_t n = utf8_sequence_length(s, i);
  if (n == 0) {
    append_hex_escape(out, c);
    return 1;
  }
  out.append(s.substr(i, n));
  return n;
}

}  // namespace

std::string escape_text(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) i += append_escaped_char(out, s, i, false);
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  std::size_t chars = 0, i = 0;
  while (i < s.size() && chars < kMaxQuotedChars) {
    i += append_escaped_char(out, s, i, true);
    ++chars;
  }
  if (i < s.size()) out += "...";
  out += '"';
  return out;
}

std::string quote_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += quote(item);
  }
  return out;
}

}  // namespace nsleak::scenario
