// --timeout of `run` and `test`: finite, positive, at most kMaxTimeout seconds. NaN compares
// false with everything and a value past INT_MAX milliseconds wrapped in poll(), so both were
// accepted and misbehaved; now they are bad input (exit 2).
#pragma once

#include <CLI/CLI.hpp>

namespace nsleak::cli {

inline constexpr double kMaxTimeout = 86400;  // seconds: one day, far inside poll()'s int ms

CLI::Validator timeout_validator();

}  // namespace nsleak::cli
