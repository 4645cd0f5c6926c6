// Text for XML 1.0 (JUnit) and XHTML-compatible pages (the HTML timeline).
#pragma once

#include <string>

namespace nsleak::reports {

// Escapes markup and quotes. Characters XML 1.0 cannot carry even as references (C0 controls
// but tab and newline, U+FFFE, U+FFFF), DEL and the C1 controls (which browsers silently drop)
// are written visibly as \uXXXX, as the text story shows them; bytes that are not UTF-8 become
// U+FFFD. In an attribute, tab and newline are references too, so no parser normalises them
// away; CR always is.
std::string xml_escape(const std::string& s, bool attribute);

}  // namespace nsleak::reports
