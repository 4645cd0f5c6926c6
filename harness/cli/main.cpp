// nsleak: reproduces namespace-leak poisoning in a miniature Go scheduler.
#include <sys/utsname.h>

#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/error_exit.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/styled_stdout.hpp"
#include "harness/cli/suggest.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/parser.hpp"

namespace {

// What a bug report needs: nsleak's version, the runtimes it models, and the kernel whose
// namespaces it ran on.
std::string version_text() {
  std::string s = "nsleak " NSLEAK_VERSION "\npolicies:";
  for (const auto& n : nsleak::rt::policy_names()) s += " " + n;
  struct utsname u {};
  s += "\nkernel: ";
  s += ::uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine : std::string("unknown");
  return s;
}

// Whether standard output carries text for people: not for `export` (Go source), nor when a
// --format other than text was asked, nor when some report goes to "-" (JSON, JUnit, events, a
// page): those keep their bytes.
bool human_stdout(const CLI::App& app) {
  std::vector<const CLI::App*> apps{&app};
  for (const CLI::App* sub : app.get_subcommands()) {
    if (sub->get_name() == "export") return false;
    apps.push_back(sub);
  }
  for (const CLI::App* a : apps)
    for (const CLI::Option* opt : a->get_options())
      for (const std::string& value : opt->results())
        if (value == "-" || (opt->get_name() == "--format" && value != "text")) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace nsleak::cli;
  reserve_standard_fds();
  set_command_line(argc, argv);
  // The name is fixed: CLI11 would otherwise print argv[0], the full path, in "Usage:".
  CLI::App app{"nsleak: reproduce how per-thread namespace state leaks between goroutines", "nsleak"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", version_text, "Print the version, the policies modelled and the kernel");
  // Given anywhere (before or after the subcommand: fallthrough), for every command's stdout.
  std::string color = "auto";
  app.add_option("--color", color,
                 "Colour on a terminal: auto (a terminal, NO_COLOR unset), always, never; lines are also "
                 "wrapped to a terminal's width and spelt in ASCII when the locale is not UTF-8")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.fallthrough();  // before the subcommands: they inherit it
  const Command run = add_run(app);
  const Command list = add_list(app);
  const Command test = add_test(app);
  const Command merge = add_merge(app);
  const Command explore = add_explore(app);
  const Command replay = add_replay(app);
  const Command observe = add_observe(app);
  const Command export_go = add_export(app);
  const Command conform = add_conform(app);
  std::string html;  // for the default run; `nsleak run` has its own --html
  app.add_option("--html", html,
                 "Also write the article run's timeline as a self-contained HTML page to this file");
  std::string trace_events;  // likewise
  app.add_option("--trace-events", trace_events,
                 "Also write the article run as Chrome Trace Event Format JSON (Perfetto UI, chrome://tracing) "
                 "to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    std::cerr << unexpected_argument_message(app, e) << "\n";
    return kBadInput;
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;
  }
  int rc = 0;
  {
    // Human text only: JSON, XML and reports sent to "-" stay byte for byte as written.
    const StyledStdout styled(human_stdout(app) ? nsleak::reports::terminal_style(1, color_mode(color))
                                                : nsleak::reports::TerminalStyle{});
    rc = run_mapping_errors(
      [&] {
        // Given before a subcommand, --html would be silently ignored: say where it goes instead.
        if (!html.empty() && !app.get_subcommands().empty()) {
          std::cerr << "nsleak: --html before a subcommand applies only to the default run; "
                       "use: nsleak run FILE... --html " << html << "\n";
          return static_cast<int>(kBadInput);
        }
        if (!trace_events.empty() && !app.get_subcommands().empty()) {
          std::cerr << "nsleak: --trace-events before a subcommand applies only to the default run; "
                       "use: nsleak run FILE... --trace-events " << trace_events << "\n";
          return static_cast<int>(kBadInput);
        }
        if (app.got_subcommand("run")) return run();
        if (app.got_subcommand("list")) return list();
        if (app.got_subcommand("test")) return test();
        if (app.got_subcommand("merge")) return merge();
        if (app.got_subcommand("explore")) return explore();
        if (app.got_subcommand("replay")) return replay();
        if (app.got_subcommand("observe")) return observe();
        if (app.got_subcommand("export")) return export_go();
        if (app.got_subcommand("conform")) return conform();
        return run_default(html, trace_events);
      },
      std::cerr);
  }  // the styled lines are all out before finish_stdout checks the writes
  return worst(rc, finish_stdout());
}
