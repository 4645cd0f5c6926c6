// How an exception escaping a command becomes nsleak's exit code (exit_codes.hpp).
#pragma once

#include <functional>
#include <ostream>

namespace nsleak::cli {

// run_mapping_errors runs `command` and returns its exit code; what escapes it is reported on
// `err` as one line. Bad input — a located scenario::ParseError, or rt::BadInput (a policy, a
// strategy, an option value) — is kBadInput with its message. Anything else, including a
// std::invalid_argument thrown by the standard library or an internal check, is nsleak's own
// bug: kInternal, "nsleak: internal error: <what>".
int run_mapping_errors(const std::function<int()>& command, std::ostream& err);

}  // namespace nsleak::cli
