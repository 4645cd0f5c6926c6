// "Did you mean" for the command line itself: an unknown subcommand (`nsleak tset`) or option
// (`nsleak test --filtr`) gets the closest known one, in one line, exit 2.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace nsleak::cli {

// The line to print for an argument CLI11 did not expect (after app.parse threw ExtrasError).
std::string unexpected_argument_message(const CLI::App& app, const CLI::ExtrasError& e);

}  // namespace nsleak::cli
