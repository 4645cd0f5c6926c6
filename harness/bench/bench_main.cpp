// nsleak-bench: speed figures as ratios against baselines measured in the same run, ending
// with the table of issue 9's targets (figure, baseline, ratio, target) and the machine.
//
//   article  the article end to end (fork, sandbox, run, verdicts) vs the same program as a
//            real Go binary started in a fresh network namespace (fixtures/go/article, built
//            by ci/go-reference), timed alternating
//   switch   one G switch on one M (Gosched ping-pong in the runtime) vs a bare Boost.Context
//            switch and vs Go's own Gosched ping-pong under GOMAXPROCS=1 (harness/bench/go/
//            gosched, built by ci/bench), alternating
//   library  the scenario library under every declared policy, one schedule each, on every
//            core, as `nsleak test` runs it (a zygote per worker, fresh origin namespaces per
//            run): wall time; the per-run cost beside its floor, the bare fork +
//            unshare(NET|UTS) + exit every run pays
//   zygote   article schedules through one zygote per core (runner::RunServer): schedules per
//            second, and the per-schedule cost beside its floor: a zygote fork that makes the
//            clones and namespace calls of the article's schedule and exits (floor_program.hpp:
//            the calls are those the kernel saw in one supervised run), and beside a bare fork + exit
//   observe  what the seccomp supervisor costs: the article Go binary in the sandbox with vs
//            without `nsleak observe`'s supervision (target <= 2x), and the article scenario
//            with vs without the run-time audit
//   explore  exploration (harness/explore): exhaustive:2 schedules/second on the article and on
//            a program without namespace ops, beside the article's floor with the namespace pool
//            (as zygote's, unshare entering a pooled namespace) and fork + unshare per schedule
//   memory   peak RSS of one article run's sandbox child, and of 10,000 goroutines (alive at
//            once; and one after another)
//
// `nsleak-bench [CASE...] [--root DIR] [--go-dir DIR]`: the cases named (all by default).
// Benchmarks print; they assert nothing (tests assert behaviour).
#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/context/fiber.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/bench/floor_program.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "harness/observe/analyze_tree.hpp"
#include "harness/observe/supervisor.hpp"
#include "harness/explore/explorer.hpp"
#include "harness/os/ns_pool.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runner/run_server.hpp"
#include "harness/runner/step_recorder.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/sandbox/zygote.hpp"

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

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// One row of the targets table. `baseline` empty: no baseline (an absolute target).
struct Target {
  std::string figure;
  double value = 0;
  std::optional<double> baseline;
  std::string unit;
  std::string target;  // e.g. "<= 1.00x", "<= 16 MiB"
  std::string baseline_name;
};
std::vector<Target> g_targets;

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

// Runs `argv` with stdout captured; its output, or nullopt when it failed.
std::optional<std::string> run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return std::nullopt;
  return out;
}

std::string missing_go(const std::string& bin, const char* how) {
  return "SKIPPED baseline (" + bin + " not built: apt-get install golang-1.19-go; " + how + ")";
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
  std::printf("article end to end (median of %d, alternating)\n"
              "   nsleak run (fork, sandbox, 5 threads, observation per step): %8.2f ms\n", n, median(ours));
  Target t{"one nsleak run of the article", median(ours), std::nullopt, "ms", "<= 1.00x", "real Go binary"};
  if (have_go) {
    std::printf("   real Go binary (fork, unshare, exec fixtures/go/article):     %8.2f ms\n", median(go));
    t.baseline = median(go);
  } else {
    std::printf("   real Go program: %s\n", missing_go(bin, "ci/go-reference build DIR").c_str());
  }
  g_targets.push_back(t);
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
// as a scenario run is (the runner's StepRecorder, observing the network namespace).
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

void switch_cost(const std::string& go_dir) {
  const long rounds = 200000;
  const int n = 5;
  const std::string bin = go_dir + "/gosched";
  const bool have_go = std::filesystem::exists(bin);
  std::vector<double> bare, g, go;
  for (int i = 0; i < n; ++i) {
    bare.push_back(bare_switch_ns(rounds));
    g.push_back(g_switch_ns(rounds));
    if (!have_go) continue;
    if (auto out = run_capture({bin, std::to_string(rounds)})) go.push_back(std::atof(out->c_str()));
  }
  std::printf("\ncontext switch (%ld round trips, median of %d, alternating)\n"
              "   bare Boost.Context switch:                          %8.1f ns\n"
              "   G switch on one M (Gosched: runq, schedule, switch): %7.1f ns   (%.1fx bare)\n",
              rounds, n, median(bare), median(g), median(g) / median(bare));
  Target t{"one G switch on one M", median(g), std::nullopt, "ns", "<= 0.25x", "Go's Gosched switch"};
  if (!go.empty()) {
    std::printf("   Go's Gosched ping-pong, GOMAXPROCS=1:               %8.1f ns\n", median(go));
    t.baseline = median(go);
  } else {
    std::printf("   Go's Gosched: %s\n", missing_go(bin, "ci/bench builds it").c_str());
  }
  g_targets.push_back(t);
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
  std::vector<double> each(jobs.size());
  std::vector<const scenario::Scenario*> scenarios;
  for (const auto& j : jobs) scenarios.push_back(&j.first);
  std::atomic<std::size_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  // As `nsleak test` runs them (cmd_test.cpp): a fork server per worker, each run in origin
  // namespaces of its own (real unshare right after the fork). The servers' making is timed.
  for (unsigned c = 0; c < cores; ++c)
    pool.emplace_back([&] {
      runner::RunServer server(scenarios, {}, runner::RunServer::make_default_strategy, 0,
                               sandbox::Zygote::Origin::FreshPerRun);
      for (std::size_t i; (i = next++) < jobs.size();) {
        runner::RunOptions opt;
        opt.policy = jobs[i].second;
        const auto t = Clock::now();
        server.run(i, opt);
        each[i] = ms_since(t);
      }
    });
  for (auto& t : pool) t.join();
  const double wall = ms_since(t0);
  // The floor, sampled right after under the same parallelism (a backlog of network
  // namespaces being torn down slows every new one).
  std::vector<double> floor_samples(2 * cores * 8);
  next = 0;
  pool.clear();
  for (unsigned c = 0; c < cores; ++c)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < floor_samples.size();) {
        const auto f = Clock::now();
        fork_in_fresh_ns([] {});
        floor_samples[i] = ms_since(f);
      }
    });
  for (auto& t : pool) t.join();
  const double floor = median(floor_samples);
  const double per_run = median(each);
  std::printf("\nscenario library %s: %zu runs (scenario x policy) on %u cores\n"
              "   wall %.0f ms: %.1f runs/second\n   per run (median):                      %8.2f ms\n"
              "   floor: fork + unshare(NET|UTS) + exit: %8.2f ms\n   ratio per-run/floor: %.1f\n",
              dir.c_str(), jobs.size(), cores, wall, 1000.0 * static_cast<double>(jobs.size()) / wall,
              per_run, floor, per_run / floor);
  g_targets.push_back({"the library, every policy, one schedule each (" + std::to_string(jobs.size()) + " runs)",
                       wall / 1000.0, std::nullopt, "s", "< 0.3 s", ""});
  g_targets.push_back({"  ... per run", per_run, floor, "ms", "(none)", "fork+unshare+exit"});
}

// The article's floor program: the calls the kernel saw in one supervised run of its go-order
// schedule (the schedule RunServer runs, below). Printed with what it holds.
const bench::FloorProgram& article_floor() {
  static const bench::FloorProgram p = [] {
    // The supervisor with its snapshots (the audit's has none): they tell which thread each
    // clone made and which namespace a setns enters.
    observe::Supervisor sup;
    runner::RunOptions opt;
    opt.audit = false;
    opt.sandbox.supervisor = sup.hook();
    runner::run_scenario(cli::embedded_article(), opt);
    return bench::floor_program(sup.log());
  }();
  return p;
}

// One zygote per core, `per_worker` forks each, every child running `body` (which _exits):
// each fork's wall time, in ms. `prepare`: the zygote's (the namespace pool). Each worker's
// children on a CPU of their own, as parallel servers' runs of the article are (run_server.cpp).
std::vector<double> zygote_forks(const sandbox::SandboxOptions& so, int per_worker, const sandbox::Zygote::Body& body,
                                 const sandbox::Zygote::Prepare& prepare = {}) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> each(cores * per_worker);
  std::vector<std::thread> pool;
  for (unsigned c = 0; c < cores; ++c)
    pool.emplace_back([&, c] {
      sandbox::SandboxOptions mine = so;
      mine.pin_cpu_rank = c;
      sandbox::Zygote z(mine, body, prepare);
      for (int i = 0; i < per_worker; ++i) {
        const auto t = Clock::now();
        z.run("");
        each[c * per_worker + i] = ms_since(t);
      }
    });
  for (auto& t : pool) t.join();
  return each;
}

// The floor of one article schedule, through zygotes as the schedules run: the same sandbox
// options without the per-run seccomp load (the sandbox's cost, not the schedule's).
std::vector<double> article_floor_ms(int per_worker, bool pooled) {
  const bench::FloorProgram& p = article_floor();
  sandbox::SandboxOptions so;
  so.fault_filter = false;
  sandbox::Zygote::Prepare prepare;
  if (pooled) prepare = [n = std::max(1, p.unshares)] { return os::fill_ns_pool(n); };
  return zygote_forks(so, per_worker, [&p, pooled](trace::TraceBuffer&, std::string_view) { bench::replay_floor(p, pooled); },
                      prepare);
}

// Schedules of the article through one zygote per core (runner::RunServer, as `nsleak test`
// workers and exploration run them): the rate, schedules alone; then each schedule beside its
// floor (article_floor) and a bare zygote fork whose child exits at once, the three alternating
// on each worker, so all see the same backlog of network namespaces being torn down (every
// real unshare leaves one; measured after the schedules, the floor paid for theirs).
void zygote_runs() {
  const auto sc = cli::embedded_article();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int per_worker = 100;
  const bench::FloorProgram& prog = article_floor();
  std::vector<double> each(cores * per_worker), beside(cores * per_worker), floor, bare(cores * per_worker);
  if (prog.error.empty()) floor.resize(cores * per_worker);
  sandbox::SandboxOptions floor_opt;  // the sandbox's, but for each run's seccomp load (not the schedule's)
  floor_opt.fault_filter = false;
  double wall = 0;
  for (const bool alternating : {false, true}) {
    std::vector<std::thread> pool;
    const auto t0 = Clock::now();
    for (unsigned c = 0; c < cores; ++c)
      pool.emplace_back([&, c] {
        runner::RunServer server({&sc}, {});
        // Each worker's on a CPU of its own, as the servers' runs are (run_server.cpp: the
        // article does not observe the affinity).
        sandbox::SandboxOptions fo = floor_opt, bo;
        fo.pin_cpu_rank = bo.pin_cpu_rank = c;
        std::optional<sandbox::Zygote> zfloor, zbare;
        if (alternating && !floor.empty())
          zfloor.emplace(fo, [&prog](trace::TraceBuffer&, std::string_view) { bench::replay_floor(prog, false); });
        if (alternating) zbare.emplace(bo, [](trace::TraceBuffer&, std::string_view) { ::_exit(0); });
        runner::RunOptions opt;
        for (int i = 0; i < per_worker; ++i) {
          const std::size_t k = c * per_worker + i;
          auto t = Clock::now();
          server.run(0, opt);
          (alternating ? beside : each)[k] = ms_since(t);
          if (!alternating) continue;
          if (zfloor) {
            t = Clock::now();
            zfloor->run("");
            floor[k] = ms_since(t);
          }
          t = Clock::now();
          zbare->run("");
          bare[k] = ms_since(t);
        }
      });
    for (auto& t : pool) t.join();
    if (!alternating) wall = ms_since(t0);
  }
  const double rate = 1000.0 * static_cast<double>(each.size()) / wall;
  std::printf("\narticle schedules through a zygote per core (%u workers x %d, go-order)\n"
              "   %.0f schedules/second; per schedule (median) %8.2f ms, (mean) %8.2f ms\n"
              "   alternating per worker: a schedule %8.2f ms, a zygote fork + exit %8.2f ms\n",
              cores, per_worker, rate, median(each), mean(each), median(beside), median(bare));
  g_targets.push_back({"article schedules through zygotes, " + std::to_string(cores) + " cores", rate, std::nullopt,
                       "/s", ">= 2000/s", ""});
  if (!prog.error.empty()) {
    std::printf("   floor: SKIPPED (%s)\n", prog.error.c_str());
  } else {
    std::printf("   ... its floor, zygote fork + %s + exit: %8.2f ms (%.2fx)\n", prog.summary().c_str(),
                median(floor), median(beside) / median(floor));
    g_targets.push_back({"  ... per schedule vs its floor (fork, clones, ns calls)", median(beside), median(floor), "ms",
                         "<= 1.5x", "floor"});
  }
  g_targets.push_back({"  ... per schedule vs zygote fork + exit", median(beside), median(bare), "ms", "(none)",
                       "fork+exit"});
}

// 10,000 goroutines, alive at once (each parks until main, woken after all of them parked,
// closes the channel), or one after another (each ends before the next starts).
constexpr const char* kTenThousandAlive = R"({"name": "bench-10000-alive", "procs": 1,
  "main": [{"op": "wg_add", "wg": "wg", "n": 10000},
           {"op": "repeat", "times": 10000, "body": [{"op": "go", "fn": "w"}]},
           {"op": "sleep", "ms": 1}, {"op": "close", "chan": "release"}, {"op": "wg_wait", "wg": "wg"}],
  "functions": {"w": [{"op": "recv", "chan": "release"}, {"op": "wg_done", "wg": "wg"}]}})";
constexpr const char* kTenThousandInTurn = R"({"name": "bench-10000-in-turn", "procs": 1,
  "main": [{"op": "wg_add", "wg": "wg", "n": 10000},
           {"op": "repeat", "times": 10000, "body": [{"op": "go", "fn": "w"}]},
           {"op": "wg_wait", "wg": "wg"}],
  "functions": {"w": [{"op": "wg_done", "wg": "wg"}]}})";

void memory() {
  const auto peak_mib = [](const scenario::Scenario& sc, const char* what) {
    runner::RunOptions opt;
    const auto r = runner::run_scenario(sc, opt);
    const double mib = static_cast<double>(r.record.max_rss_kb) / 1024.0;
    std::printf("   %-44s %8.1f MiB  (%s, %.0f ms)\n", what, mib,
                r.record.exit_code == 0 ? "ran to the end" : "DID NOT COMPLETE", r.record.wall_ms);
    return mib;
  };
  std::printf("\npeak RSS of the sandbox child (wait4 ru_maxrss)\n");
  const double article = peak_mib(cli::embedded_article(), "one article schedule:");
  const auto opts = cli::parse_options();
  const double alive = peak_mib(scenario::parse_scenario(kTenThousandAlive, "<bench>", opts),
                                "10,000 goroutines alive at once:");
  const double in_turn = peak_mib(scenario::parse_scenario(kTenThousandInTurn, "<bench>", opts),
                                  "10,000 goroutines one after another:");
  g_targets.push_back({"peak RSS, one article schedule", article, std::nullopt, "MiB", "<= 16 MiB", ""});
  g_targets.push_back({"peak RSS, 10,000 goroutines alive at once", alive, std::nullopt, "MiB", "<= 256 MiB", ""});
  g_targets.push_back({"peak RSS, 10,000 goroutines one after another", in_turn, std::nullopt, "MiB", "<= 256 MiB", ""});
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
  for (int i = 0; i < 31; ++i) {
    const auto t0 = Clock::now();
    fork_in_fresh_ns([] {});
    floor.push_back(ms_since(t0));
  }
  const double floor_rate = cores * 1000.0 / median(floor);
  std::printf("\n5. explore, exhaustive:2 (no shrinking) on %u cores\n"
              "   floor: fork + unshare(NET|UTS) + exit per schedule: %8.0f schedules/s\n", cores, floor_rate);
  // The article's floor in the pool mode: its schedule's calls, unshare entering a pooled
  // namespace; per schedule on each core, so the rate a schedule at the floor would give.
  const bench::FloorProgram& prog = article_floor();
  std::optional<double> pooled_floor_ms;
  if (prog.error.empty()) {
    pooled_floor_ms = median(article_floor_ms(100, true));
    std::printf("   floor: zygote fork + %s (pooled) + exit: %8.2f ms = %8.0f schedules/s\n", prog.summary().c_str(),
                *pooled_floor_ms, cores * 1000.0 / *pooled_floor_ms);
  }
  const std::pair<const char*, scenario::Scenario> programs[] = {
      {"article", cli::embedded_article()},
      {"no namespace ops", cli::load(root + "/fixtures/explore/no-namespace-ops.json")}};
  // Both namespace modes (explorer.hpp): the pool (the default) and real unshare per run.
  for (const auto& [what, sc] : programs)
    for (const bool pool : {true, false}) {
      explore::ExploreOptions opt;
      opt.strategy = explore::parse_strategy("exhaustive:2");
      opt.budget = 400;
      opt.jobs = static_cast<int>(cores);
      opt.shrink = false;
      opt.ns_pool = pool;
      const auto t0 = Clock::now();
      const auto r = explore::explore(sc, opt);
      const double rate = 1000.0 * static_cast<double>(r.schedules) / ms_since(t0);
      std::printf("   %-16s %-13s %5ld schedules: %8.0f schedules/s (%.2f of the floor)\n", what,
                  pool ? "netns pool" : "real unshare", r.schedules, rate, rate / floor_rate);
      if (pool && what == std::string("article")) {
        g_targets.push_back({"explore article, exhaustive:2, namespace pool", rate, std::nullopt, "/s", ">= 2000/s", ""});
        // Per schedule: each core's wall time per schedule it ran.
        if (pooled_floor_ms)
          g_targets.push_back({"  ... per schedule vs its floor (pooled)", cores * 1000.0 / rate, *pooled_floor_ms, "ms",
                               "<= 1.5x", "floor"});
      }
    }
}

void print_targets() {
  utsname u{};
  ::uname(&u);
  std::printf("\ntargets (issue 9) — machine: %u cores, %s %s %s; load average at the end: ",
              std::max(1u, std::thread::hardware_concurrency()), u.sysname, u.release, u.machine);
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) == 3) std::printf("%.2f %.2f %.2f\n", load[0], load[1], load[2]);
  else std::printf("?\n");
  std::printf("   %-58s %12s %24s %8s  %s\n", "figure", "nsleak", "baseline", "ratio", "target");
  for (const auto& t : g_targets) {
    char v[32], b[64], r[16];
    std::snprintf(v, sizeof v, "%.2f %s", t.value, t.unit.c_str());
    if (t.baseline) {
      std::snprintf(b, sizeof b, "%.2f %s (%s)", *t.baseline, t.unit.c_str(), t.baseline_name.c_str());
      std::snprintf(r, sizeof r, "%.2fx", t.value / *t.baseline);
    } else {
      std::snprintf(b, sizeof b, "%s", t.baseline_name.empty() ? "-" : ("n/a: " + t.baseline_name).c_str());
      std::snprintf(r, sizeof r, "-");
    }
    std::printf("   %-58s %12s %24s %8s  %s\n", t.figure.c_str(), v, b, r, t.target.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = NSLEAK_SOURCE_DIR, go_dir;
  std::vector<std::string> cases;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--root" && i + 1 < argc) root = argv[++i];
    else if (a == "--go-dir" && i + 1 < argc) go_dir = argv[++i];
    else if (a == "article" || a == "switch" || a == "library" || a == "zygote" || a == "memory" || a == "observe" || a == "explore") cases.push_back(a);
    else {
      std::fprintf(stderr, "usage: nsleak-bench [article|switch|library|zygote|memory|observe|explore]... [--root DIR] [--go-dir DIR]\n");
      return 2;
    }
  }
  if (go_dir.empty()) go_dir = root + "/build/go-ref";
  if (cases.empty()) cases = {"article", "switch", "library", "zygote", "memory", "observe", "explore"};
  if (const auto why = sandbox::probe_environment(); !why.empty()) {
    std::fprintf(stderr, "nsleak-bench: cannot run namespaces here: %s\n", why.c_str());
    return 3;
  }
  for (const auto& c : cases) {
    if (c == "article") article_vs_go(go_dir);
    if (c == "switch") switch_cost(go_dir);
    if (c == "library") library(root + "/scenarios");
    if (c == "zygote") zygote_runs();
    if (c == "memory") memory();
    if (c == "observe") observe_cost(go_dir);
    if (c == "explore") explore_rate(root);
  }
  print_targets();
  return 0;
}
