#include "harness/runner/run_server.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "harness/interp/interpreter.hpp"
#include "harness/os/ns_pool.hpp"
#include "harness/runner/run_parts.hpp"
#include "harness/runner/stamp_clock.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/scenario/policy_file.hpp"

namespace nsleak::runner {
namespace {

// A run's request: the scenario's index, the policy (name or file), the strategy request,
// separated by NUL (none of them contains one).
std::string encode(std::size_t index, const std::string& policy, const std::string& strategy) {
  std::string s = std::to_string(index);
  s += '\0';
  s += policy;
  s += '\0';
  s += strategy;
  return s;
}

struct Request {
  std::size_t index = 0;
  std::string policy, strategy;
};

Request decode(std::string_view s) {
  Request r;
  const auto a = s.find('\0');
  const auto b = s.find('\0', a + 1);
  r.index = std::strtoull(std::string(s.substr(0, a)).c_str(), nullptr, 10);
  r.policy = std::string(s.substr(a + 1, b - a - 1));
  r.strategy = std::string(s.substr(b + 1));
  return r;
}

// The sandbox options of one server: `so`, its runs pinned to a CPU of their own when none of
// the scenarios reads or sets the affinity. Every run pins itself to one CPU (cpu_pin.hpp);
// servers running in parallel (exploration's workers) all on the highest one left every other
// CPU idle. Which CPU a run starts on is then unobservable to it; a program that observes the
// affinity keeps the fixed origin (rank 0) its outcomes are compared against.
sandbox::SandboxOptions spread(sandbox::SandboxOptions so, const std::vector<const scenario::Scenario*>& scenarios) {
  static std::atomic<unsigned> servers{0};
  for (const scenario::Scenario* sc : scenarios)
    if (interp::observed_kinds(*sc) & (1u << os::index(os::StateKind::Affinity))) return so;
  so.pin_cpu_rank = servers.fetch_add(1, std::memory_order_relaxed);
  return so;
}

}  // namespace

std::unique_ptr<rt::Strategy> RunServer::make_default_strategy(const std::string& request) {
  if (request.empty()) return std::make_unique<rt::GoOrderStrategy>();
  return rt::make_strategy(request);
}

RunServer::RunServer(std::vector<const scenario::Scenario*> scenarios, const sandbox::SandboxOptions& sandbox,
                     StrategyMaker make_strategy, int ns_pool, sandbox::Zygote::Origin origin)
    : scenarios_(std::move(scenarios)), make_strategy_(std::move(make_strategy)), ns_pool_(ns_pool) {
  // In the zygote, before its first fork: what every run would otherwise do again in its child.
  sandbox::Zygote::Prepare prepare = [n = ns_pool_]() -> std::string {
    StampClock::probe_tsc();
    return n > 0 ? os::fill_ns_pool(n) : std::string();
  };
  zygote_ = std::make_unique<sandbox::Zygote>(spread(sandbox, scenarios_), [this](trace::TraceBuffer& out, std::string_view request) {
    // In the run's child: everything here is the zygote's copy, as of the server's making.
    const Request q = decode(request);
    rt::Policy policy;
    std::unique_ptr<rt::Strategy> strategy;
    try {
      policy = scenario::load_policy(q.policy);
      strategy = make_strategy_(q.strategy);
    } catch (const std::exception&) {
      ::_exit(rt::kChildExitThrow);  // the parent made both just before: a harness bug
    }
    parts::body(out, *scenarios_.at(q.index), policy, strategy.get());
  }, std::move(prepare), origin);
}

RunReport RunServer::run(std::size_t index, const RunOptions& opt, const std::string& strategy) {
  const scenario::Scenario& sc = *scenarios_.at(index);
  const rt::Policy policy = scenario::load_policy(opt.policy);
  RunReport r = parts::head(sc, policy, make_strategy_(strategy)->name());
  if (r.record.env_error.empty()) r.record = zygote_->run(encode(index, opt.policy, strategy));
  parts::judge(r, sc, policy, opt.expect_as);
  return r;
}

}  // namespace nsleak::runner
