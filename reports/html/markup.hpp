// Escaping for the timeline page. Scenario text (name, description, `as` names) reaches the
// page; it may hold markup, quotes, control characters or — in a file path — bytes that are not
// UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reports/xml_text.hpp"

namespace nsleak::reports::timeline {

// Text for element content and quoted attributes alike (one function, so no call site can
// pick the weaker one).
inline std::string esc(const std::string& s) { return xml_escape(s, true); }

// A label cut to `max` code points with an ellipsis: SVG text does not wrap or clip, and a box
// label that runs into the next box is unreadable. The full text is in the box's tooltip.
inline std::string clip(const std::string& s, std::size_t max) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= max || max == 0) return s;
  return s.substr(0, starts[max - 1]) + "\xE2\x80\xA6";
}

}  // namespace nsleak::reports::timeline
