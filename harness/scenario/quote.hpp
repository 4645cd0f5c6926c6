// Renders user text inside error messages. A message is one line of valid UTF-8 whatever the
// input held, so quotes, control characters and invalid bytes are escaped, and long text is
// shortened.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nsleak::scenario {

// `s` with control characters and non-UTF-8 bytes escaped (\n, \t, \xNN).
std::string escape_text(std::string_view s);

// `s` escaped (also '"' and '\\'), shortened to 48 characters ("..." marks the cut), between
// double quotes.
std::string quote(std::string_view s);

// "\"a\", \"b\", \"c\"" for a list of names.
std::string quote_list(const std::vector<std::string>& items);

}  // namespace nsleak::scenario
