#include "reports/terminal.hpp"

#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace nsleak::reports {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kAscii{{
    {"✗", "x"}, {"✓", "v"}, {"·", "*"}, {"—", "--"}, {"–", "-"}, {"→", "->"}, {"←", "<-"}, {"…", "..."},
    {"≤", "<="}, {"≥", ">="}, {"×", "x"}, {"‘", "'"}, {"’", "'"}, {"“", "\""}, {"”", "\""}, {"•", "*"},
}};

std::size_t columns_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // code points: every symbol used is one column
  return n;
}

// The line cut at spaces into pieces of at most `width` columns; continuation pieces start with
// `hang` spaces. A word longer than a piece stays whole (a path, an id: never split).
std::string wrapped(std::string_view line, std::size_t width) {
  std::size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  const std::size_t hang = std::min(indent + 4, width / 2);
  std::string out(line.substr(0, indent));
  std::size_t cols = indent;
  bool first_word = true;
  std::size_t pos = indent;
  while (pos <= line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    const std::string_view word = line.substr(pos, end - pos);
    const std::size_t w = columns_of(word);
    if (!first_word && cols + 1 + w > width) {
      out += "\n" + std::string(hang, ' ');
      cols = hang;
    } else if (!first_word) {
      out += ' ';
      ++cols;
    }
    out += word;
    cols += w;
    first_word = false;
    pos = end + 1;
  }
  return out;
}

constexpr const char* kRed = "\x1b[31m";
constexpr const char* kBoldRed = "\x1b[1;31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kReset = "\x1b[0m";

// Every occurrence of `word` in `s` wrapped in `sgr` ... reset. `at_start`: only where it opens a
// (possibly indented) line, as the status words do.
void paint(std::string& s, std::string_view word, const char* sgr, bool at_start) {
  for (std::size_t at = s.find(word); at != std::string::npos; at = s.find(word, at)) {
    bool ok = true;
    if (at_start) {
      std::size_t b = at;
      while (b > 0 && s[b - 1] == ' ') --b;
      ok = b == 0 || s[b - 1] == '\n';
      const std::size_t after = at + word.size();
      ok = ok && (after == s.size() || s[after] == ' ');
    }
    if (!ok) {
      at += word.size();
      continue;
    }
    const std::string painted = std::string(sgr) + std::string(word) + kReset;
    s.replace(at, word.size(), painted);
    at += painted.size();
  }
}

bool utf8_locale() {
  static const bool utf8 = [] {
    const char* old = std::setlocale(LC_CTYPE, nullptr);
    const std::string saved = old != nullptr ? old : "C";
    std::setlocale(LC_CTYPE, "");
    const char* cs = nl_langinfo(CODESET);
    const bool yes = cs != nullptr && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
    std::setlocale(LC_CTYPE, saved.c_str());  // nothing else in nsleak depends on the locale
    return yes;
  }();
  return utf8;
}

}  // namespace

std::string ascii_spelling(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    bool replaced = false;
    for (const auto& [from, to] : kAscii)
      if (text.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        replaced = true;
        break;
      }
    if (replaced) continue;
    out += '?';
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return out;
}

TerminalStyle terminal_style(bool is_tty, std::size_t tty_columns, ColorMode mode, const char* no_color,
                             const char* term, const char* columns, bool utf8) {
  TerminalStyle s;
  s.ascii = !utf8;
  switch (mode) {
    case ColorMode::Always: s.color = true; break;
    case ColorMode::Never: s.color = false; break;
    case ColorMode::Auto:
      s.color = is_tty && (no_color == nullptr || *no_color == '\0') &&
                (term == nullptr || std::strcmp(term, "dumb") != 0);
      break;
  }
  if (is_tty) {
    s.width = tty_columns;
    if (columns != nullptr && *columns != '\0') {
      char* end = nullptr;
      const long c = std::strtol(columns, &end, 10);
      if (*end == '\0' && c > 0) s.width = static_cast<std::size_t>(c);
    }
    if (s.width == 0) s.width = 80;
    if (s.width < 20) s.width = 20;  // narrower, nothing readable fits: wrap as if 20 wide
  }
  return s;
}

TerminalStyle terminal_style(int fd, ColorMode mode) {
  const bool tty = ::isatty(fd) == 1;
  std::size_t cols = 0;
  winsize ws{};
  if (tty && ::ioctl(fd, TIOCGWINSZ, &ws) == 0) cols = ws.ws_col;
  return terminal_style(tty, cols, mode, std::getenv("NO_COLOR"), std::getenv("TERM"), std::getenv("COLUMNS"),
                        utf8_locale());
}

std::string styled_line(std::string_view line, const TerminalStyle& style) {
  std::string s = style.ascii ? ascii_spelling(line) : std::string(line);
  if (style.width > 0 && columns_of(s) > style.width) s = wrapped(s, style.width);
  if (style.color) {
    paint(s, "PASS", kGreen, true);
    for (const char* bad : {"FAIL", "ERROR", "CRASH", "TIMEOUT", "BAD"}) paint(s, bad, kBoldRed, true);
    paint(s, "SKIP", kYellow, true);
    paint(s, "MISMATCH", kRed, false);
    if (style.ascii) {
      paint(s, "x", kRed, true);  // the mark, where it opens a step line
    } else {
      paint(s, "✗", kRed, false);
    }
  }
  return s;
}

}  // namespace nsleak::reports
