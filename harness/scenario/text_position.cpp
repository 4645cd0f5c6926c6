#include "harness/scenario/text_position.hpp"

#include <algorithm>

#include "harness/scenario/utf8.hpp"

namespace nsleak::scenario {

std::size_t skip_bom(std::string_view text) { return text.starts_with("\xEF\xBB\xBF") ? 3 : 0; }

TextPositions::TextPositions(std::string_view text, std::string file)
    : text_(text), file_(std::move(file)), line_starts_{skip_bom(text)} {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (i % kBlock == 0) chars_before_block_.push_back(chars);
    if (!is_utf8_continuation(static_cast<unsigned char>(text_[i]))) ++chars;
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
  chars_before_block_.push_back(chars);  // covers offset == size when size % kBlock == 0
}

std::size_t TextPositions::chars_before(std::size_t offset) const {
  const std::size_t block = offset / kBlock;
  std::size_t chars = chars_before_block_[block];
  for (std::size_t i = block * kBlock; i < offset; ++i)
    if (!is_utf8_continuation(static_cast<unsigned char>(text_[i]))) ++chars;
  return chars;
}

Location TextPositions::at(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  // The last line start at or before `offset`; a BOM offset sorts after 0 but before any
  // '\n', so offsets inside the BOM fall back to line 1.
  auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line_index =
      static_cast<std::size_t>(next == line_starts_.begin() ? 0 : next - line_starts_.begin() - 1);
  const std::size_t start = std::min(line_starts_[line_index], offset);
  const auto col = static_cast<int>(chars_before(offset) - chars_before(start)) + 1;
  return Location{file_, static_cast<int>(line_index) + 1, col};
}

}  // namespace nsleak::scenario
