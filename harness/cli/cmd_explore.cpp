// nsleak explore FILE... and nsleak replay FILE TOKEN: many schedules of a scenario, grouped
// into outcome classes with replay tokens (harness/explore), and one schedule replayed.
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <iostream>
#include <mutex>
#include <thread>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/limit_args.hpp"
#include "harness/cli/policy_arg.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/unfinished_report.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/cli/timeout_arg.hpp"
#include "harness/explore/explorer.hpp"
#include "harness/runtime/bad_input.hpp"
#include "harness/runtime/policy.hpp"
#include "reports/explore_report.hpp"
#include "reports/html_timeline.hpp"
#include "reports/prose.hpp"
#include "reports/json_report.hpp"
#include "reports/text_story.hpp"

namespace nsleak::cli {
namespace {

struct ExploreArgs {
  std::vector<std::string> files;
  std::vector<std::string> policies;
  std::string strategy = "portfolio";
  long budget = 0;
  std::string time;
  int jobs = 0;
  std::string shard;
  int procs = 0;
  std::string format = "text";
  double timeout = kDefaultTimeout;
  LimitArgs limits;  // each schedule's, through its worker's zygote as through run_scenario
  bool userns = false;
  bool no_prune = false;
  std::string ns_mode = "pool";
  bool no_shrink = false;
};

// "30s", "2m", "1h" or plain seconds.
double parse_duration(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const std::string unit(end, s.data() + s.size());
  double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (ec != std::errc{} || end == s.data() || scale < 0 || !(v > 0) || !std::isfinite(v) || v * scale > 86400)
    throw rt::BadInput("--time must be a positive duration such as 30s, 2m or 1h (at most 24h), got \"" + s + "\"");
  return v * scale;
}

std::pair<std::size_t, std::size_t> parse_shard_arg(const std::string& s) {
  const auto slash = s.find('/');
  std::size_t k = 0, n = 0;
  auto num = [](std::string_view p, std::size_t& out) {
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), out);
    return !p.empty() && ec == std::errc{} && end == p.data() + p.size();
  };
  if (slash == std::string::npos || !num(std::string_view(s).substr(0, slash), k) ||
      !num(std::string_view(s).substr(slash + 1), n) || k < 1 || k > n)
    throw rt::BadInput("--shard must be K/N with 1 <= K <= N, got \"" + s + "\"");
  return {k, n};
}

std::vector<std::string> policies_of(const scenario::Scenario& sc, const std::vector<std::string>& asked) {
  if (asked.empty()) return {"go1.12"};
  if (asked.size() == 1 && asked[0] == "all") return sc.expect_order.empty() ? rt::policy_names() : sc.expect_order;
  return asked;
}

// The live line: only on a terminal, overwritten in place, cleared at the end.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on) {}
  void show(const explore::Progress& p) {
    if (!on_) return;
    std::lock_guard lock(mu_);
    char buf[200];
    const double rate = p.elapsed_s > 0 ? p.done / p.elapsed_s : 0;
    int n = std::snprintf(buf, sizeof buf, "\r  %s: %ld schedules, %.0f/s, %ld classes, %ld pruned", p.phase.c_str(), p.done,
                          rate, p.classes, p.pruned);
    if (p.pending > 0 && rate > 0)
      n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ", %ld known left (ETA >= %.0fs)", p.pending,
                         p.pending / rate);
    std::cerr << buf << "\x1b[K" << std::flush;
  }
  void clear() {
    if (on_) std::cerr << "\r\x1b[K" << std::flush;
  }

 private:
  bool on_;
  std::mutex mu_;
};

int explore_files(const ExploreArgs& a) {
  for (const auto& p : a.policies)
    if (!(p == "all" && a.policies.size() == 1)) check_policy(p, "--policy");
  if (a.budget < 0) throw rt::BadInput("--budget must be a positive number of schedules");
  explore::ExploreOptions base;
  base.strategy = explore::parse_strategy(a.strategy);
  base.budget = a.budget > 0 ? a.budget : a.time.empty() ? 2000 : 1L << 40;
  base.time_s = a.time.empty() ? 0 : parse_duration(a.time);
  base.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!a.shard.empty()) std::tie(base.shard, base.shards) = parse_shard_arg(a.shard);
  base.prune = !a.no_prune;
  base.ns_pool = a.ns_mode == "pool";
  base.shrink = !a.no_shrink;
  base.run.sandbox.timeout_s = a.timeout;
  apply(a.limits, base.run.sandbox);
  base.run.sandbox.force_userns = a.userns;
  std::vector<std::pair<scenario::Scenario, std::string>> plan;
  for (const auto& path : expand_paths(a.files)) {
    auto sc = load(path);
    if (a.procs > 0) sc.procs = a.procs;
    for (const auto& pol : policies_of(sc, a.policies)) plan.emplace_back(sc, pol);
  }
  ProgressLine line(a.format == "text" && ::isatty(STDERR_FILENO));
  int rc = kOk;
  bool first = true;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& [sc, pol] : plan) {
    explore::ExploreOptions opt = base;
    opt.run.policy = pol;
    opt.progress = [&line](const explore::Progress& p) { line.show(p); };
    std::string prefix = "nsleak replay " + shell_quote(sc.file);
    if (pol != "go1.12") prefix += " --policy " + shell_quote(pol);
    if (a.procs > 0) prefix += " --procs " + std::to_string(a.procs);
    // JSON lines stream each class the moment a schedule first shows it (like go test -json).
    if (a.format == "jsonl")
      opt.on_class = [&prefix](const explore::ExploreOptions::ClassFound& c) {
        std::cout << reports::found_json(c, prefix).dump() << std::endl;
      };
    const auto r = explore::explore(sc, opt);
    line.clear();
    if (!r.skipped.empty()) rc = worst(rc, kEnvironment);
    if (a.format == "json") {
      all.push_back(reports::explore_json(r, prefix));
    } else if (a.format == "jsonl") {
      // Then the summary, with each class as finished: confirmed, shrunk, its flip point.
      auto summary = reports::explore_json(r, prefix);
      summary["class_results"] = std::move(summary["classes"]);
      summary["type"] = "summary";
      summary["classes"] = r.classes.size();
      std::cout << summary.dump() << std::endl;
    } else {
      if (!first) std::cout << "\n";
      std::cout << reports::explore_text(r, prefix) << std::flush;
    }
    first = false;
  }
  if (a.format == "json") std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  return rc;
}

struct ReplayArgs {
  std::string file, token, policy = "go1.12", format = "text", html;
  int procs = 0;
  double timeout = kDefaultTimeout;
  bool verbose = false, userns = false;
};

int replay_file(const ReplayArgs& a) {
  const std::string pol = check_policy(a.policy, "--policy");
  (void)pol;
  const auto paths = expand_paths({a.file});
  if (paths.size() != 1) throw rt::BadInput("replay takes one scenario file, not " + std::to_string(paths.size()));
  auto sc = load(paths.front());
  if (a.procs > 0) sc.procs = a.procs;
  runner::RunOptions opt;
  opt.policy = a.policy;
  opt.sandbox.timeout_s = a.timeout;
  opt.sandbox.force_userns = a.userns;
  claim_stdout({{"--html", &a.html}}, a.format == "json" ? "--format json" : "");
  constexpr std::string_view kPage = "the timeline page";
  if (const int rc = begin_reports({{&a.html, ReportKind::Html, kPage}}); rc != kOk) return rc;
  const std::string prefix = "nsleak replay " + shell_quote(sc.file) + (a.policy != "go1.12" ? " --policy " + shell_quote(a.policy) : "") + " ";
  runner::RunReport r;
  if (a.html.empty()) {
    r = explore::replay(sc, a.token, opt);
    r.reproduce = prefix + shell_quote(a.token);
  } else {
    // The page draws the schedule with its flip point marked, and beside it the run without
    // that decision, so the reader sees the one choice the outcome hinges on.
    auto fr = explore::replay_flip(sc, a.token, opt);
    r = fr.run;
    r.reproduce = prefix + shell_quote(a.token);
    std::vector<runner::RunReport> page{r};
    std::vector<reports::TimelineMark> marks;
    if (fr.flip) {
      const std::string sentence = reports::flip_sentence(*fr.flip, explore::outcome_of(fr.run));
      marks.push_back({0, fr.flip->seq, fr.flip->m, "flip point",
                       fr.flip->point + " = " + fr.flip->chosen + " (Go's first choice: " + fr.flip->instead + "): " + sentence});
      fr.without->strategy = "replay without the flip point";
      fr.without->reproduce = prefix + shell_quote(fr.without_token);
      marks.push_back({1, fr.without_seq, fr.without_m, "go-order here",
                       fr.flip->point + " = " + fr.flip->instead + " (Go's first choice), and the run shows: " + fr.flip->without.text()});
      page.push_back(std::move(*fr.without));
    }
    if (const int rc = write_report(a.html, reports::html_timeline(page, marks), kPage); rc != kOk) return rc;
  }
  if (a.format == "json") {
    reports::write_run_json(std::cout, r, 2);
    std::cout << "\n";
  } else {
    reports::StoryOptions so;
    so.scheduler_events = a.verbose;
    so.verdict_details = a.verbose;
    std::cout << reports::text_story(r, so);
  }
  return exit_code_for(r);
}

ExploreArgs g_explore;
ReplayArgs g_replay;

}  // namespace

Command add_explore(CLI::App& app) {
  auto* cmd = app.add_subcommand("explore", "Run many schedules of each scenario and group them into outcome classes");
  cmd->add_option("files", g_explore.files, "Scenario files or directories, or library names")->required();
  cmd->add_option("-p,--policy", g_explore.policies,
                  "Runtime policy (default go1.12), a JSON policy file, or 'all' (every policy the scenario's expect names)");
  cmd->add_option("-s,--strategy", g_explore.strategy,
                  "portfolio (exhaustive within part of the budget, then PCT, then random), exhaustive[:BOUND], "
                  "pct:DEPTH:SEED, random:SEED or go-order")
      ->capture_default_str();
  cmd->add_option("--budget", g_explore.budget, "Schedules at most (default 2000)");
  cmd->add_option("--time", g_explore.time, "Wall-clock limit instead: 30s, 2m, 1h")->excludes("--budget");
  cmd->add_option("-j,--jobs", g_explore.jobs, "Parallel schedules (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--shard", g_explore.shard, "Explore only part K of N of the schedule space (K/N), deterministically");
  cmd->add_option("--procs", g_explore.procs, "GOMAXPROCS instead of the scenario's procs")->check(CLI::Range(1, 64));
  cmd->add_option("-f,--format", g_explore.format, "text, json, or jsonl (one object per class, then a summary)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--timeout", g_explore.timeout, "Seconds before one schedule is killed as hung")
      ->check(timeout_validator())
      ->capture_default_str();
  add_limit_options(cmd, g_explore.limits);
  cmd->add_flag("--no-prune", g_explore.no_prune, "Run every schedule within the bound, even provably equivalent ones");
  cmd->add_option("--ns-mode", g_explore.ns_mode,
                  "pool: the search's unshare(CLONE_NEWNET) enters a namespace made in advance; unshare: every one is "
                  "real. Each class reported is confirmed with real unshare either way")
      ->check(CLI::IsMember({"pool", "unshare"}))
      ->capture_default_str();
  cmd->add_flag("--no-shrink", g_explore.no_shrink, "Report each class's first schedule as found");
  cmd->add_flag("--userns", g_explore.userns, "Use a user namespace even when running as root");
  return [] { return explore_files(g_explore); };
}

Command add_replay(CLI::App& app) {
  auto* cmd = app.add_subcommand("replay", "Run one schedule of a scenario again from its replay token");
  cmd->add_option("file", g_replay.file, "The scenario file (or library name)")->required();
  cmd->add_option("token", g_replay.token, "The token nsleak explore printed (quote it)")->required();
  cmd->add_option("-p,--policy", g_replay.policy, "Runtime policy the token was found under")->capture_default_str();
  cmd->add_option("--procs", g_replay.procs, "GOMAXPROCS, as given to explore")->check(CLI::Range(1, 64));
  cmd->add_option("-f,--format", g_replay.format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("--timeout", g_replay.timeout, "Seconds before the run is killed as hung")
      ->check(timeout_validator())
      ->capture_default_str();
  cmd->add_option("--html", g_replay.html,
                  "Also write the timeline page: the schedule with its flip point (the token's last decision) "
                  "marked, beside the run without it ('-': standard output)");
  cmd->add_flag("-v,--verbose", g_replay.verbose, "Also narrate scheduler events and choices");
  cmd->add_flag("--userns", g_replay.userns, "Use a user namespace even when running as root");
  return [] { return replay_file(g_replay); };
}

}  // namespace nsleak::cli
