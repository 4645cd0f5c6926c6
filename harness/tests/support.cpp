#include "harness/tests/support.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "harness/runtime/sched.hpp"

namespace nsleak::test {
namespace {
std::atomic<int> g_skipped{0};
}

std::string namespace_unavailable_reason() {
  static const std::string reason = sandbox::probe_environment();
  return reason;
}
int skipped_count() { return g_skipped.load(); }
void count_skip() { ++g_skipped; }

sandbox::RunRecord run_program(const Program& p, std::function<void()> main_fn) {
  const rt::Policy policy = rt::load_policy(p.policy);
  auto strategy = rt::make_strategy(p.strategy);
  return sandbox::run_sandboxed(p.sandbox, [&](rt::Tracer& t) {
    rt::Config cfg;
    cfg.policy = policy;
    cfg.strategy = strategy.get();
    cfg.tracer = &t;
    cfg.procs = p.procs;
    cfg.idle_threads = p.idle_threads;
    rt::run_main(cfg, main_fn);
  });
}

void note(const std::string& what, nlohmann::json extra) {
  rt::M* mp = rt::getm();
  nlohmann::json ev{{"ev", "note"}, {"what", what}, {"g", rt::getg()->goid}, {"m", mp->id},
                    {"tid", mp->tid}, {"gettid", static_cast<long>(::syscall(SYS_gettid))}};
  for (auto& [k, v] : extra.items()) ev[k] = v;
  rt::trace(std::move(ev), true);
}

std::vector<nlohmann::json> events(const sandbox::RunRecord& r, const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& e : r.events)
    if (e.value("ev", "") == kind) out.push_back(e);
  return out;
}

std::vector<nlohmann::json> notes(const sandbox::RunRecord& r, const std::string& what) {
  std::vector<nlohmann::json> out;
  for (const auto& e : events(r, "note"))
    if (e.value("what", "") == what) out.push_back(e);
  return out;
}

bool completed(const sandbox::RunRecord& r) {
  for (const auto& e : events(r, "exit"))
    if (e.value("code", -1) == 0) return true;
  return false;
}

std::string fault(const sandbox::RunRecord& r) {
  for (const auto& e : events(r, "fault")) return e.value("message", std::string());
  return {};
}

}  // namespace nsleak::test
