// Byte offsets in a scenario's text -> Locations (1-based line and column).
//
// Columns count characters (UTF-8 code points), as editors do, not bytes; a UTF-8 byte order
// mark at the start of the file is not counted. Only '\n' ends a line, as in nlohmann_json.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

class TextPositions {
 public:
  // `text` must outlive this object.
  TextPositions(std::string_view text, std::string file);

  // Location of the byte at `offset`; offset == text.size() is the position just past the end.
  Location at(std::size_t offset) const;

 private:
  // Characters before `offset`, counted from the nearest block boundary so that a lookup costs
  // O(kBlock) even when the whole file is one long line.
  std::size_t chars_before(std::size_t offset) const;

  static constexpr std::size_t kBlock = 64;
  std::string_view text_;
  std::string file_;
  std::vector<std::size_t> line_starts_;
  std::vector<std::size_t> chars_before_block_;  // [i]: characters before byte i * kBlock
};

// Offset of the first byte after a UTF-8 byte order mark, or 0 when there is none.
std::size_t skip_bom(std::string_view text);

}  // namespace nsleak::scenario
