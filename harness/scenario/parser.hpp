// Scenario parser: JSON with comments -> validated Scenario, or one located error.
//
// Errors are typed (ParseError) and carry file, line and column of the offending value, so the
// CLI prints exactly one line `file:line:col: message` and exits 2. The parser never crashes on
// any input (tested over the fixtures/malformed corpus).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

class ParseError : public std::runtime_error {
 public:
  ParseError(Location loc, const std::string& message);
  const Location& where() const { return loc_; }
  const std::string& message() const { return message_; }  // without the location prefix
 private:
  Location loc_;
  std::string message_;
};

struct ParseOptions {
  std::vector<std::string> policies;  // names allowed as keys of "expect"
  std::vector<std::string> verdicts;  // names allowed in "verdicts"/"absent"
};

// Parses `text` (the contents of `file`). Throws ParseError.
Scenario parse_scenario(std::string_view text, const std::string& file, const ParseOptions& opts);
// Reads and parses a file; an unreadable file is a ParseError at `file:0:0`.
Scenario load_scenario(const std::string& path, const ParseOptions& opts);

}  // namespace nsleak::scenario
