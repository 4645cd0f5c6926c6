// nsleak: reproduces namespace-leak poisoning in a miniature Go scheduler.
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/parser.hpp"

int main(int argc, char** argv) {
  using namespace nsleak::cli;
  CLI::App app{"nsleak: reproduce how per-thread namespace state leaks between goroutines"};
  app.require_subcommand(0, 1);
  const Command run = add_run(app);
  const Command list = add_list(app);
  const Command test = add_test(app);
  const Command merge = add_merge(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;
  }
  try {
    if (app.got_subcommand("run")) return run();
    if (app.got_subcommand("list")) return list();
    if (app.got_subcommand("test")) return test();
    if (app.got_subcommand("merge")) return merge();
    return run_default();
  } catch (const nsleak::scenario::ParseError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  } catch (const nsleak::rt::PolicyError& e) {
    std::cerr << "nsleak: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::invalid_argument& e) {
    std::cerr << "nsleak: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "nsleak: internal error: " << e.what() << "\n";
    return kInternal;
  }
}
