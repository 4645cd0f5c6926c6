// BadInput: what the user gave nsleak is wrong (a policy name or file, a strategy spec, a
// command-line value). The CLI turns it, and only it (with scenario::ParseError), into exit 2
// with its message; any other exception that escapes is nsleak's own fault, exit 4. A typed
// error rather than std::invalid_argument, which the standard library and internals also throw.
#pragma once

#include <stdexcept>

namespace nsleak::rt {

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace nsleak::rt
