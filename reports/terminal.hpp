// Text for a terminal: the reports write plain UTF-8 lines, and this fits each one to where it
// is shown — wrapped to the terminal's width, coloured, or spelt in ASCII when the locale
// cannot show UTF-8. Pure functions of the line and a TerminalStyle; the CLI decides the style
// (terminal_style) once and passes every line of standard output through styled_line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nsleak::reports {

enum class ColorMode { Auto, Always, Never };

struct TerminalStyle {
  bool color = false;      // ANSI SGR colours
  bool ascii = false;      // spell non-ASCII symbols in ASCII (✗ -> x, — -> --, ...)
  std::size_t width = 0;   // wrap lines longer than this many columns; 0: never wrap
};

// The style for output to `fd`. Colour: `always`; `never`; `auto` = a terminal, NO_COLOR unset
// or empty (no-color.org) and TERM not "dumb". Width: a terminal's columns (COLUMNS, when set,
// wins: the user resized for this command); output that is not a terminal is never wrapped, so
// pipes and files get the lines as written. ASCII: the locale's character set is not UTF-8.
TerminalStyle terminal_style(int fd, ColorMode mode);
// The same decision from explicit facts, for tests.
TerminalStyle terminal_style(bool is_tty, std::size_t tty_columns, ColorMode mode, const char* no_color,
                             const char* term, const char* columns, bool utf8_locale);

// One line (no '\n') as it should appear: ASCII-spelt if asked, wrapped at spaces with the
// continuation lines indented under the line's own indent plus four (at most half the width),
// then coloured: status words (PASS green; FAIL, ERROR, CRASH, TIMEOUT, BAD red; SKIP
// yellow), the ✗ mark and MISMATCH red. Returns one or more lines joined by '\n'.
std::string styled_line(std::string_view line, const TerminalStyle& style);

// The ASCII spelling of `text`: the symbols the reports use get their usual ASCII forms; any
// other non-ASCII character becomes '?'.
std::string ascii_spelling(std::string_view text);

}  // namespace nsleak::reports
