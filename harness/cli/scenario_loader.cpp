#include "harness/cli/scenario_loader.hpp"

#include <algorithm>
#include <filesystem>

#include "harness/runtime/policy.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::cli {

namespace fs = std::filesystem;

scenario::ParseOptions parse_options() {
  return {rt::policy_names(), verdict::verdict_names()};
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      throw scenario::ParseError({p, 0, 0}, "no such file or directory");
    }
  }
  return out;
}

scenario::Scenario load(const std::string& path) { return scenario::load_scenario(path, parse_options()); }

scenario::Scenario embedded_article() {
  return scenario::parse_scenario(embedded_article_text(), "<embedded:article>", parse_options());
}

}  // namespace nsleak::cli
