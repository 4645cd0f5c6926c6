#include "harness/cli/suggest.hpp"

#include "harness/scenario/did_you_mean.hpp"

namespace nsleak::cli {

std::string unexpected_argument_message(const CLI::App& app, const CLI::ExtrasError& e) {
  // The deepest parsed command owns the unexpected words (CLI11 passes them up to the parent).
  const CLI::App* cmd = &app;
  for (const CLI::App* sub : app.get_subcommands()) cmd = sub;
  std::vector<std::string> extras = cmd->remaining();
  if (extras.empty()) extras = app.remaining(true);
  if (extras.empty()) return std::string("nsleak: ") + e.what();
  std::string word = extras.front();
  const std::string where = cmd == &app ? "nsleak" : "nsleak " + cmd->get_name();
  if (word.starts_with("-")) {
    word = word.substr(0, word.find('='));
    std::vector<std::string> names;
    for (const CLI::Option* o : cmd->get_options()) {
      for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& s : o->get_snames()) names.push_back("-" + s);
    }
    return where + ": unknown option \"" + word +
           "\"" + scenario::unknown_name_hint(word, names, "options are") + " (see " + where + " --help)";
  }
  if (cmd == &app) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    return "nsleak: unknown command \"" + word + "\"" + scenario::unknown_name_hint(word, names, "commands are") +
           " (see nsleak --help)";
  }
  return where + ": unexpected argument \"" + word + "\" (see " + where + " --help)";
}

}  // namespace nsleak::cli
