#include "harness/cli/timeout_arg.hpp"

#include <cmath>
#include <string>

namespace nsleak::cli {

CLI::Validator timeout_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != text.size() || !std::isfinite(v) || !(v > 0) || v > kMaxTimeout)
          return "must be a number of seconds greater than 0 and at most " +
                 std::to_string(static_cast<int>(kMaxTimeout)) + ", got \"" + text + "\"";
        return {};
      },
      "POSITIVE");  // the help reads FLOAT:POSITIVE=10; the text says "(at most 86400)"
}

}  // namespace nsleak::cli
