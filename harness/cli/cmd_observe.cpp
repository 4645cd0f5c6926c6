// nsleak observe [--timeout D] [--format text|json] [--html F] [--userns] -- CMD ARGS...: any
// program, run in a fresh sandbox under the seccomp supervisor; what its threads' namespaces
// did, from kernel facts alone.
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/cli/timeout_arg.hpp"
#include "harness/observe/observe_run.hpp"
#include "reports/html_timeline.hpp"
#include "reports/observe_report.hpp"
#include "reports/observe_timeline.hpp"

namespace nsleak::cli {
namespace {

struct ObserveArgs {
  std::vector<std::string> command;
  std::string format = "text";
  std::string html;  // the timeline page, drawn from the observation
  double timeout = kDefaultTimeout;
  bool userns = false;
};

ObserveArgs g_observe;

int observe_main(const ObserveArgs& a) {
  if (observe::find_executable(a.command[0]).empty()) {
    std::cerr << "nsleak observe: " << a.command[0] << ": no such executable"
              << (a.command[0].find('/') == std::string::npos ? " on PATH" : "") << "\n";
    return kBadInput;
  }
  claim_stdout({{"--html", &a.html}}, a.format == "json" ? "--format json" : "");
  constexpr std::string_view kPage = "the timeline page";
  if (const int rc = begin_reports({{&a.html, ReportKind::Html, kPage}}); rc != kOk) return rc;
  observe::ObserveOptions opt;
  opt.timeout_s = a.timeout;
  opt.force_userns = a.userns;
  // stdout carries one JSON document, or the page
  opt.stdout_to_stderr = a.format == "json" || a.html == kStdoutPath;
  std::cout.flush();
  const auto o = observe::observe_command(a.command, opt);
  if (!o.record.env_error.empty()) {
    std::cerr << "nsleak: this environment cannot run namespaces: " << o.record.env_error << "\n";
    return kEnvironment;
  }
  if (a.format == "json") std::cout << reports::observe_json(o).dump(2) << "\n";
  else std::cout << reports::observe_story(o);
  if (!a.html.empty())
    if (const int rc = write_report(a.html, reports::html_timeline({reports::observe_run_report(o)}), kPage);
        rc != kOk)
      return rc;
  if (!o.log.error.empty() || o.log.events.empty()) {
    // Not even the program's own execve was seen: the supervisor is what failed.
    if (o.log.error.empty()) std::cerr << "nsleak observe: the supervisor saw no call at all (not even the execve)\n";
    return kInternal;
  }
  return o.found_leak() || o.record.timed_out ? kExpectation : kOk;
}

}  // namespace

Command add_observe(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "observe", "Run any program in a fresh sandbox and report, from the kernel alone, which of its threads "
                 "changed namespaces and where they ended (exit 1 on a leak)");
  cmd->add_option("command", g_observe.command, "The program and its arguments, after --")->required();
  cmd->add_option("-f,--format", g_observe.format, "Output: text or json (the program's stdout then goes to stderr)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--html", g_observe.html,
                  "Also write the timeline page here (one lane per thread, a box per notified call; - for stdout)");
  cmd->add_option("--timeout", g_observe.timeout, "Seconds before the program is killed as hung (at most 86400)")
      ->check(timeout_validator())
      ->capture_default_str();
  cmd->add_flag("--userns", g_observe.userns, "Use a user namespace even when running as root");
  return [] { return observe_main(g_observe); };
}

}  // namespace nsleak::cli
