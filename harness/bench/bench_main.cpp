// nsleak-bench: speed figures as ratios against baselines measured in the same run.
//
//   1. the article end to end (fork, sandbox, run, verdicts) vs the same program as a real Go
//      binary started in a fresh network namespace (fixtures/go/article via ci/go-reference);
//   2. one G switch on one M (Gosched ping-pong in the runtime) vs a bare Boost.Context switch;
//   3. the scenario library: scenarios/second, and the per-run cost beside its floor — the
//      bare fork + unshare(CLONE_NEWNET|CLONE_NEWUTS) + exit every run has to pay;
//   4. what the seccomp supervisor costs: the article Go binary in the sandbox with vs without
//      `nsleak observe`'s supervision (target <= 2x), and the article scenario with vs without
//      the run-time audit;
//   5. exploration (harness/explore): schedules/second on the article and on a program without
//      namespace ops, beside the floor (the same fork + unshare per schedule, on every core).
// `nsleak-bench switch` prints figure 2 alone, `nsleak-bench observe [ROOT [GO_DIR]]` figure 4,
// `nsleak-bench explore [ROOT]` figure 5. Benchmarks print; they assert nothing (tests assert behaviour).
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "harness/cli/scenario_loader.hpp"
#include "harness/observe/analyze_tree.hpp"
#include "harness/observe/supervisor.hpp"
#include "harness/explore/explorer.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runner/step_recorder.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/sandbox/sandbox.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace nsleak;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <class F>
double median_ms(int n, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(ms_since(t0));
  }
  return median(t);
}

// fork; the child enters fresh namespaces (as the sandbox does) and runs `then`.
int fork_in_fresh_ns(const std::function<void()>& then) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) ::_exit(3);
    then();
    ::_exit(0);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void article_vs_go(const std::string& go_dir) {
  const auto sc = cli::embedded_article();
  runner::RunOptions opt;
  const int n = 31;
  const std::string bin = go_dir + "/article";
  const bool have_go = std::filesystem::exists(bin);
  auto go_once = [&] {
    fork_in_fresh_ns([&] {
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::execl(bin.c_str(), bin.c_str(), nullptr);
      ::_exit(127);
    });
  };
  // Alternate the two, so both see the same machine (namespace teardown backlog, caches).
  std::vector<double> ours, go;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    runner::run_scenario(sc, opt);
    ours.push_back(ms_since(t0));
    if (!have_go) continue;
    t0 = Clock::now();
    go_once();
    go.push_back(ms_since(t0));
  }
  std::printf("1. article end to end (median of %d, alternating)\n"
              "   nsleak run (fork, sandbox, 5 threads, snapshot per step): %8.2f ms\n", n, median(ours));
  if (!have_go) {
    std::printf("   real Go program: SKIPPED baseline (%s not built: apt-get install golang-1.19-go "
                "golang-github-vishvananda-netns-dev; ci/go-reference build %s)\n", bin.c_str(), go_dir.c_str());
    return;
  }
  std::printf("   real Go binary (fork, unshare, exec fixtures/go/article):  %8.2f ms\n"
              "   ratio nsleak/go: %.2f (target <= 1.00)\n", median(go), median(ours) / median(go));
}

// A bare fcontext switch: two fibers handing control back and forth.
double bare_switch_ns(long rounds) {
  namespace ctx = boost::context;
  ctx::fiber other([&](ctx::fiber&& back) {
    for (;;) back = std::move(back).resume();
    return std::move(back);
  });
  const auto t0 = Clock::now();
  for (long i = 0; i < rounds; ++i) other = std::move(other).resume();
  return ms_since(t0) * 1e6 / static_cast<double>(2 * rounds);
}

// G switches on one M: two Gs calling Gosched in turn, timed inside the sandbox child, recorded
// as a scenario run is (the runner's StepRecorder, snapshots of the network namespace).
double g_switch_ns(long rounds) {
  double result = -1;
  sandbox::SandboxOptions sb;
  auto rec = sandbox::run_sandboxed(sb, [&](trace::TraceBuffer& out) {
    runner::StepRecorder recorder(out, 1u << os::index(os::StateKind::Net));
    rt::Config cfg;
    cfg.policy = rt::preset_policy("go1.12");
    cfg.tracer = &recorder;
    cfg.procs = 1;
    cfg.idle_threads = 0;
    rt::run_main(cfg, [rounds] {
      rt::Go([rounds] {
        for (long i = 0; i < rounds; ++i) rt::Gosched();
      }, "other");
      const auto t0 = Clock::now();
      for (long i = 0; i < rounds; ++i) rt::Gosched();
      // The figure, as the text of a Note: the bench's own fact, not the runtime's.
      const double ns = ms_since(t0) * 1e6 / static_cast<double>(2 * rounds);
      char text[64];
      const int n = std::snprintf(text, sizeof text, "bench ns_per_switch %.3f", ns);
      trace::Record chunk[1];
      const std::size_t k = trace::encode_text(std::string_view(text, static_cast<std::size_t>(n)), 0, chunk);
      const trace::Note note{rt::current_goid(), static_cast<trace::MId>(rt::current_mid()), 0, 0};
      rt::Emit(trace::encode(note), std::span(chunk, k), false);
    });
  });
  for (const auto& e : rec.events)
    if (e.is<trace::Note>()) std::sscanf(e.text.c_str(), "bench ns_per_switch %lf", &result);
  return result;
}

void switch_cost() {
  const long rounds = 200000;
  const double bare = bare_switch_ns(rounds);
  const double g = g_switch_ns(rounds);
  std::printf("\n2. context switch (%ld round trips)\n   bare Boost.Context switch:            %8.1f ns\n"
              "   G switch on one M (Gosched: g0, runq, schedule): %8.1f ns\n   ratio G/bare: %.1f\n",
              rounds, bare, g, g / bare);
}

void library(const std::string& dir) {
  std::vector<std::pair<scenario::Scenario, std::string>> jobs;
  for (const auto& path : cli::expand_paths({dir})) {
    try {
      auto sc = cli::load(path);
      for (const auto& pol : sc.expect_order) jobs.emplace_back(sc, pol);
    } catch (const std::exception&) {
    }
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // The floor is sampled between runs, in the same workers: both then see the same kernel
  // state (a backlog of network namespaces being torn down slows every new one).
  std::vector<double> each(jobs.size()), floor_samples(jobs.size());
  std::atomic<std::size_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned c = 0; c < cores; ++c)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < jobs.size();) {
        const auto f = Clock::now();
        fork_in_fresh_ns([] {});
        floor_samples[i] = ms_since(f);
        runner::RunOptions opt;
        opt.policy = jobs[i].second;
        const auto t = Clock::now();
        runner::run_scenario(jobs[i].first, opt);
        each[i] = ms_since(t);
      }
    });
  for (auto& t : pool) t.join();
  const double wall = ms_since(t0);
  const double floor = median(floor_samples);
  const double per_run = median(each);
  std::printf("\n3. scenario library %s: %zu runs (scenario x policy) on %u cores\n"
              "   wall %.0f ms (floor samples included): %.1f runs/second\n   per run (median):                      %8.2f ms\n"
              "   floor: fork + unshare(NET|UTS) + exit: %8.2f ms\n   ratio per-run/floor: %.1f\n",
              dir.c_str(), jobs.size(), cores, wall, 1000.0 * static_cast<double>(jobs.size()) / wall,
              per_run, floor, per_run / floor);
}

// The article's Go binary, exec'd in the sandbox as `nsleak observe` does, its output to
// /dev/null; supervised (every notified call stopped, the tree read, answered) or not.
double go_in_sandbox_ms(const std::string& bin, bool supervised) {
  observe::Supervisor sup;
  sandbox::SandboxOptions so;
  so.pin_cpu = false;
  so.fault_filter = false;
  if (supervised) so.supervisor = sup.hook();
  const auto t0 = Clock::now();
  sandbox::run_sandboxed(so, [&](trace::TraceBuffer&) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(bin.c_str(), bin.c_str(), nullptr);
    ::_exit(127);
  });
  if (supervised) (void)observe::analyze_tree(sup.log());
  return ms_since(t0);
}

void observe_cost(const std::string& go_dir) {
  const int n = 31;
  const std::string bin = go_dir + "/article";
  std::printf("\n4. the seccomp supervisor (median of %d, alternating)\n", n);
  if (std::filesystem::exists(bin)) {
    std::vector<double> plain, observed;
    for (int i = 0; i < n; ++i) {
      plain.push_back(go_in_sandbox_ms(bin, false));
      observed.push_back(go_in_sandbox_ms(bin, true));
    }
    std::printf("   Go article in the sandbox:                 %8.2f ms\n"
                "   ... under nsleak observe's supervisor:     %8.2f ms\n"
                "   ratio observed/plain: %.2f (target <= 2.00)\n",
                median(plain), median(observed), median(observed) / median(plain));
  } else {
    std::printf("   Go article: SKIPPED (%s not built: ci/go-reference build %s)\n", bin.c_str(), go_dir.c_str());
  }
  const auto sc = cli::embedded_article();
  std::vector<double> bare, audited;
  for (int i = 0; i < n; ++i) {
    runner::RunOptions opt;
    opt.audit = false;
    auto t0 = Clock::now();
    runner::run_scenario(sc, opt);
    bare.push_back(ms_since(t0));
    opt.audit = true;
    t0 = Clock::now();
    runner::run_scenario(sc, opt);
    audited.push_back(ms_since(t0));
  }
  std::printf("   article scenario, nsleak run without the audit: %8.2f ms\n"
              "   ... with the run-time audit (the default):      %8.2f ms\n   ratio: %.2f\n",
              median(bare), median(audited), median(audited) / median(bare));
}

void explore_rate(const std::string& root) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> floor;
  for (int i = 0; i < 31; ++i) floor.push_back(median_ms(1, [] { fork_in_fresh_ns([] {}); }));
  const double floor_rate = cores * 1000.0 / median(floor);
  std::printf("\n5. explore, exhaustive:2 (no shrinking) on %u cores\n"
              "   floor: fork + unshare(NET|UTS) + exit per schedule: %8.0f schedules/s\n", cores, floor_rate);
  const std::pair<const char*, scenario::Scenario> programs[] = {
      {"article", cli::embedded_article()},
      {"no namespace ops", cli::load(root + "/fixtures/explore/no-namespace-ops.json")}};
  for (const auto& [what, sc] : programs) {
    explore::ExploreOptions opt;
    opt.strategy = explore::parse_strategy("exhaustive:2");
    opt.budget = 400;
    opt.jobs = static_cast<int>(cores);
    opt.shrink = false;
    const auto t0 = Clock::now();
    const auto r = explore::explore(sc, opt);
    const double rate = 1000.0 * static_cast<double>(r.schedules) / ms_since(t0);
    std::printf("   %-16s %5ld schedules: %8.0f schedules/s (%.2f of the floor)\n", what, r.schedules, rate, rate / floor_rate);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // `nsleak-bench switch`: only figure 2 (seconds, no namespaces needed), e.g. before/after a
  // change to the switch path.
  if (argc > 1 && std::string(argv[1]) == "switch") {
    switch_cost();
    return 0;
  }
  if (argc > 1 && std::string(argv[1]) == "explore") {
    explore_rate(argc > 2 ? argv[2] : NSLEAK_SOURCE_DIR);
    return 0;
  }
  const bool only_observe = argc > 1 && std::string(argv[1]) == "observe";
  const int at = only_observe ? 2 : 1;
  const std::string root = argc > at ? argv[at] : NSLEAK_SOURCE_DIR;
  const std::string go_dir = argc > at + 1 ? argv[at + 1] : root + "/build/go-ref";
  if (const auto why = sandbox::probe_environment(); !why.empty()) {
    std::fprintf(stderr, "nsleak-bench: cannot run namespaces here: %s\n", why.c_str());
    return 3;
  }
  if (only_observe) {
    observe_cost(go_dir);
    return 0;
  }
  article_vs_go(go_dir);
  switch_cost();
  library(root + "/scenarios");
  observe_cost(go_dir);
  explore_rate(root);
  return 0;
}
