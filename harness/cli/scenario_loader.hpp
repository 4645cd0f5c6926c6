// Loading scenarios for the CLI: files, directories (recursively, *.json, sorted), and the
// embedded article. Parse errors propagate as scenario::ParseError (exit 2).
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/parser.hpp"

namespace nsleak::cli {

scenario::ParseOptions parse_options();
// Expands directories into their *.json files, in a stable order. Throws ParseError for a
// path that does not exist.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths);
scenario::Scenario load(const std::string& path);
scenario::Scenario embedded_article();
const char* embedded_article_text();  // generated from scenarios/article/ at build time

}  // namespace nsleak::cli
