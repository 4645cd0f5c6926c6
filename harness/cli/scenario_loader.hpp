// Loading scenarios for the CLI: files, directories (recursively, *.json, sorted), and the
// embedded library. Parse errors propagate as scenario::ParseError (exit 2).
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/parser.hpp"

namespace nsleak::cli {

scenario::ParseOptions parse_options();
// Expands directories into their *.json files, in a stable order. A path that does not exist
// on disk is looked up in the embedded library (so it works from any directory): its path
// ("scenarios/article/article-poisoned-main.json"), a directory of it ("scenarios/cni", or
// just "cni" or "article"), or a file's stem ("locked-exit-dirty-reuse"); an embedded file
// expands to "embedded:PATH". Throws ParseError for a path found in neither.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths);
// Loads a path from expand_paths: a file on disk, or "embedded:PATH".
scenario::Scenario load(const std::string& path);
scenario::Scenario embedded_article();

struct EmbeddedScenario {
  const char* path;  // relative to the source root: "scenarios/article/article-poisoned-main.json"
  const char* text;
};
const std::vector<EmbeddedScenario>& embedded_library();  // generated from scenarios/ at build time

}  // namespace nsleak::cli
