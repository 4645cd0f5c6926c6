#include "harness/cli/scenario_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kEmbedded = "embedded:";

const EmbeddedScenario* embedded_file(std::string_view path) {
  for (const auto& e : embedded_library())
    if (path == e.path) return &e;
  return nullptr;
}

// The embedded files that `p` names, in path order; empty when none.
std::vector<std::string> embedded_matches(std::string p) {
  if (p.starts_with(kEmbedded)) p.erase(0, kEmbedded.size());
  while (p.size() > 1 && p.ends_with('/')) p.pop_back();
  std::vector<std::string> out;
  auto add = [&](const EmbeddedScenario& e) { out.push_back(std::string(kEmbedded) + e.path); };
  if (const auto* e = embedded_file(p)) {
    add(*e);
    return out;
  }
  for (const std::string& dir : {p + "/", "scenarios/" + p + "/"}) {
    for (const auto& e : embedded_library())
      if (std::string_view(e.path).starts_with(dir)) add(e);
    if (!out.empty()) return out;
  }
  for (const auto& e : embedded_library())
    if (fs::path(e.path).stem() == p) add(e);
  return out;
}

// The *.json files under `dir`. What cannot be read is bad input naming the path (exit 2), not
// a filesystem_error escaping as an internal error: a subdirectory that cannot be listed, and a
// *.json entry that is not a regular file (a dangling symlink, a FIFO, which would block).
std::vector<std::string> json_files_under(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  std::string last = dir;  // the entry the iterator descends into next
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& e = *it;
    last = e.path().string();
    if (e.path().extension() != ".json") continue;
    std::error_code type_ec;
    if (e.is_regular_file(type_ec)) {
      found.push_back(last);
    } else if (!e.is_directory(type_ec)) {
      throw scenario::ParseError({last, 0, 0}, "not a regular file (a dangling symlink, a FIFO, ...)");
    }
  }
  if (ec) throw scenario::ParseError({last, 0, 0}, "cannot read directory: " + ec.message());
  return found;
}

}  // namespace

scenario::ParseOptions parse_options() {
  return {rt::policy_names(), verdict::verdict_names()};
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  bool stdin_named = false;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p == "-") {  // standard input: read once, so named once
      if (stdin_named) throw rt::BadInput("- (standard input) is given twice");
      stdin_named = true;
      out.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      std::vector<std::string> found = json_files_under(p);
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else if (auto found = embedded_matches(p); !found.empty()) {
      out.insert(out.end(), found.begin(), found.end());
    } else {
      throw scenario::ParseError({p, 0, 0}, "no such file or directory");
    }
  }
  return out;
}

scenario::Scenario load(const std::string& path) {
  if (path.starts_with(kEmbedded) && !fs::exists(path))
    if (const auto* e = embedded_file(std::string_view(path).substr(kEmbedded.size())))
      return scenario::parse_scenario(e->text, path, parse_options());
  return scenario::load_scenario(path, parse_options());
}

scenario::Scenario embedded_article() {
  const auto* e = embedded_file("scenarios/article/article-poisoned-main.json");
  return scenario::parse_scenario(e->text, "<embedded:article>", parse_options());
}

}  // namespace nsleak::cli
