// nsleak run FILE... and nsleak with no arguments (the article, narrated).
#include <unistd.h>

#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/policy_arg.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/cli/timeout_arg.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "harness/cli/limit_args.hpp"
#include "harness/explore/explorer.hpp"
#include "harness/runtime/bad_input.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/runtime/policy.hpp"
#include "reports/html_timeline.hpp"
#include "reports/trace_events.hpp"
#include "harness/runtime/strategy.hpp"
#include "reports/event_json.hpp"
#include "reports/json_report.hpp"
#include "reports/text_story.hpp"

namespace nsleak::cli {
namespace {

struct RunArgs {
  std::vector<std::string> files;
  std::vector<std::string> policies;
  std::vector<std::string> substitutes;  // NAME=POLICY: NAME's expectations, run under POLICY
  std::string strategy = "go-order";
  std::string replay;  // a replay token (nsleak explore): its decisions, then go-order
  std::string format = "text";
  double timeout = kDefaultTimeout;
  LimitArgs limits;
  bool verbose = false;
  bool userns = false;
  std::string events;  // write the raw event stream (JSON lines) here
  std::string html;    // write every run's timeline here, as sections of one page
  std::string trace_events;  // write every run as Chrome Trace Event Format JSON here
  std::size_t runs = 1, run_index = 0;  // for --format json: how many runs, and which this is
};

// The policies to run a scenario under: as asked; "all" = every policy its expect names, or
// every preset when it names none (a program checked for leaks under every runtime modelled).
std::vector<std::string> policies_for(const scenario::Scenario& sc, const std::vector<std::string>& asked) {
  if (asked.empty()) return {"go1.12"};
  if (asked.size() == 1 && asked[0] == "all") {
    if (sc.expect_order.empty()) return rt::policy_names();
    return sc.expect_order;
  }
  return asked;
}

// Prints one run.
int print_report(const runner::RunReport& r, const RunArgs& a) {
  if (a.format == "json") {
    // One JSON document for the whole command: the object alone for one run, else an array.
    std::cout << (a.runs == 1 ? "" : a.run_index == 0 ? "[\n" : ",\n");
    reports::write_run_json(std::cout, r, 2);
    std::cout << (a.runs == 1 ? "\n" : a.run_index + 1 == a.runs ? "\n]\n" : "");
  } else if (a.format == "jsonl") {
    reports::write_run_json(std::cout, r, -1);  // one object per line, like `go test -json`
    std::cout << "\n";
  } else {
    reports::StoryOptions so;
    so.scheduler_events = a.verbose;
    so.verdict_details = a.verbose;
    std::cout << reports::text_story(r, so);
  }
  if (!r.record.env_error.empty())
    std::cerr << "nsleak: this environment cannot run namespaces: " << r.record.env_error << "\n";
  return exit_code_for(r);
}

// The report files a run command writes, each with what it is (its placeholder's kind, and
// its name in a write error).
constexpr std::string_view kEvents = "the event stream", kPage = "the timeline page", kTraceEvents = "the trace events";

// What the runs leave besides their own output: the event stream (appended), the timeline page
// and the trace-event file, one document each for all the runs (a page per run would overwrite
// itself). The events and trace events are streamed into their files one event at a time. An
// unwritable path is a usage error, reported after the runs' own output.
int write_files(const std::string& events, const std::string& html, const std::string& trace_events,
                const std::vector<runner::RunReport>& runs) {
  int rc = kOk;
  if (!events.empty())
    rc = worst(rc, append_report(
                     events, [&](std::ostream& out) { for (const auto& r : runs) reports::write_event_lines(out, r); },
                     kEvents, lines_before(events)));
  if (!html.empty()) rc = worst(rc, write_report(html, reports::html_timeline(runs), kPage));
  if (!trace_events.empty())
    rc = worst(rc, write_report(trace_events, [&](std::ostream& out) { reports::write_trace_events(out, runs); },
                                kTraceEvents));
  return rc;
}

// Before the first run: a placeholder at each report file asked for (unfinished_report.hpp).
int begin_files(const std::string& events, const std::string& html, const std::string& trace_events) {
  return begin_reports({{&events, ReportKind::JsonLines, kEvents},
                        {&html, ReportKind::Html, kPage},
                        {&trace_events, ReportKind::Json, kTraceEvents}});
}

int run_files(const RunArgs& a) {
  for (const auto& p : a.policies)  // a typo is exit 2 before anything runs
    if (!(p == "all" && a.policies.size() == 1)) check_policy(p, "--policy");
  const auto subs = parse_substitutes(a.substitutes);
  claim_stdout({{"--events", &a.events}, {"--html", &a.html}, {"--trace-events", &a.trace_events}},
               a.format == "text" ? "" : "--format " + a.format);
  // Every file is loaded before anything runs: a bad one is exit 2 with nothing half-run, and
  // the number of runs is known (one JSON document for them all).
  std::vector<std::pair<scenario::Scenario, std::string>> plan;
  for (const auto& path : expand_paths(a.files)) {
    const auto sc = load(path);
    for (const auto& pol : policies_for(sc, a.policies)) plan.emplace_back(sc, pol);
  }
  RunArgs each = a;
  each.runs = plan.size();
  bool first = true;
  std::vector<runner::RunReport> runs;  // kept only for --events, --html and --trace-events
  (void)rt::make_strategy(a.strategy);   // a bad spec is bad input, before anything runs
  if (!a.replay.empty() && a.strategy != "go-order")
    throw rt::BadInput("--replay and --strategy " + a.strategy + " both say how to schedule: give one");
  int rc = begin_files(a.events, a.html, a.trace_events);
  if (rc != kOk) return rc;
  for (const auto& [sc, pol] : plan) {
    runner::RunOptions opt;
    const auto sub = subs.find(pol);
    opt.policy = sub == subs.end() ? pol : sub->second;
    if (sub != subs.end()) opt.expect_as = pol;
    opt.strategy = [spec = a.strategy] { return rt::make_strategy(spec); };
    opt.sandbox.timeout_s = a.timeout;
    apply(a.limits, opt.sandbox);
    opt.sandbox.force_userns = a.userns;
    if (!first && a.format == "text") std::cout << "\n";
    first = false;
    auto r = a.replay.empty() ? runner::run_scenario(sc, opt) : explore::replay(sc, a.replay, opt);
    r.reproduce = reproduce_command(sc.file, opt, a.strategy);
    if (!a.replay.empty()) r.reproduce += " --replay " + shell_quote(a.replay);
    rc = worst(rc, print_report(r, each));
    ++each.run_index;
    if (!a.events.empty() || !a.html.empty() || !a.trace_events.empty()) runs.push_back(std::move(r));
  }
  rc = worst(rc, write_files(a.events, a.html, a.trace_events, runs));
  return rc;
}

RunArgs g_run;

}  // namespace

Command add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run scenario files and narrate what leaked");
  cmd->add_option("files", g_run.files,
                  "Scenario files or directories; from any directory also a library scenario or "
                  "directory by name (article, cni, locked-exit-dirty-reuse)")
      ->required();
  cmd->add_option("-p,--policy", g_run.policies,
                  "Runtime policy: go1.9, go1.10, go1.12 (default), a prototype fix, a JSON "
                  "policy file, or 'all' (every policy the scenario's expect names; every preset when it names none)");
  cmd->add_option("--substitute", g_run.substitutes,
                  "NAME=POLICY: run under POLICY where NAME is asked, judged by NAME's expectations")
      ->allow_extra_args(false);
  cmd->add_option("-s,--strategy", g_run.strategy, "Scheduling strategy: go-order or random:SEED")
      ->capture_default_str();
  cmd->add_option("--replay", g_run.replay,
                  "Replay a schedule: the token nsleak explore printed (its decisions by label, then go-order)");
  cmd->add_option("-f,--format", g_run.format,
                  "Output: text, json (one document: an object, or an array of several runs) or "
                  "jsonl (one object per line)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--timeout", g_run.timeout, "Seconds before a run is killed as hung (at most 86400)")
      ->check(timeout_validator())
      ->capture_default_str();
  add_limit_options(cmd, g_run.limits);
  cmd->add_flag("-v,--verbose", g_run.verbose, "Also narrate scheduler events (handoffp, startm, ...) and each goroutine's provenance under a shared verdict");
  cmd->add_option("--events", g_run.events, "Append the raw event stream (one JSON line per event) to this file (- : standard output)");
  cmd->add_option("--html", g_run.html,
                  "Also write the runs' timelines (a lane per thread, ops coloured by namespace) as one "
                  "self-contained HTML page to this file (- : standard output)");
  cmd->add_option("--trace-events", g_run.trace_events,
                  "Also write the runs as Chrome Trace Event Format JSON (Perfetto UI, chrome://tracing: "
                  "a track per thread, a slice per op, flows for go and clones) to this file (- : standard output)");
  cmd->add_flag("--userns", g_run.userns, "Use a user namespace even when running as root");
  return [] { return run_files(g_run); };
}

int run_default(const std::string& html, const std::string& trace_events) {
  const auto sc = embedded_article();
  runner::RunOptions opt;
  claim_stdout({{"--html", &html}, {"--trace-events", &trace_events}});
  const std::string no_events;
  if (const int begun = begin_files(no_events, html, trace_events); begun != kOk) return begun;
  auto r = runner::run_scenario(sc, opt);
  r.reproduce = "nsleak";  // the embedded article has no path to give
  int rc = print_report(r, RunArgs{});
  rc = worst(rc, write_files(no_events, html, trace_events, {r}));
  if (r.judgement.outcome == verdict::Outcome::Pass)
    // Library scenarios are embedded (by path or name), so these work from any directory.
    std::cout << "\nTry: nsleak run --policy all " << "scenarios/article/article-poisoned-main.json"
              << "   (the same program under Go 1.9, 1.10 and 1.12)\n"
              << "     nsleak list        (scenarios' vocabulary, policies and verdicts)\n";
  return rc;
}

}  // namespace nsleak::cli
