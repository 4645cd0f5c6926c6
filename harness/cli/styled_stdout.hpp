// Standard output fitted to the terminal: while a StyledStdout lives, every line written to
// std::cout goes through reports::styled_line (wrap, colour, ASCII). With a style that changes
// nothing (a pipe, a UTF-8 locale, no colour) it is not installed at all, so files and pipes
// get the reports' bytes exactly.
#pragma once

#include <memory>
#include <streambuf>
#include <string>

#include "reports/terminal.hpp"

namespace nsleak::cli {

class StyledStdout {
 public:
  explicit StyledStdout(const reports::TerminalStyle& style);
  ~StyledStdout();
  StyledStdout(const StyledStdout&) = delete;
  StyledStdout& operator=(const StyledStdout&) = delete;

 private:
  class LineBuf;
  std::unique_ptr<LineBuf> buf_;
  std::streambuf* original_ = nullptr;
};

// "--color" values, as the option takes them.
reports::ColorMode color_mode(const std::string& value);

}  // namespace nsleak::cli
