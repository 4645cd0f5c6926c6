#include "reports/xml_text.hpp"

#include <cstdio>

#include "harness/scenario/utf8.hpp"

namespace nsleak::reports {
namespace {

bool invisible(char32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
         cp == 0xFFFE || cp == 0xFFFF;
}

}  // namespace

std::string xml_escape(const std::string& s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 0;
    const char32_t cp = scenario::decode_utf8(s, i, len);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;  // XML's own; HTML5 defines it too
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      default:
        if (invisible(cp)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
          out += buf;
        } else {
          out.append(s, i, len);
        }
    }
    i += len;
  }
  return out;
}

}  // namespace nsleak::reports
