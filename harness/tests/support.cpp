#include "harness/tests/support.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "harness/runner/step_recorder.hpp"
#include "harness/runtime/threads.hpp"
#include "harness/os/state_kind.hpp"
#include "harness/sandbox/id_maps.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/sandbox/subordinate_ids.hpp"
#include "harness/scenario/policy_file.hpp"

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

std::string unprivileged_single_id_reason(uid_t uid) {
  if (uid == 0) return "";  // root maps 65536 ids itself
  // Asked of a real sandbox, not predicted from the files: newuidmap may be installed and the
  // range listed and still fail here (a nosuid mount, a container without CAP_SETUID); the
  // runs then map one id and skip, and so must the tests' expectations.
  static std::mutex mu;
  static std::map<uid_t, std::string> known;
  std::lock_guard lock(mu);
  if (const auto it = known.find(uid); it != known.end()) return it->second;
  sandbox::SandboxOptions so;
  if (uid != ::geteuid()) {
    if (::geteuid() != 0) return known[uid] = sandbox::plan_subordinate_map(uid, uid).why_not;
    so.run_as_uid = uid;
  }
  const auto rec = sandbox::run_sandboxed(so, [](trace::TraceBuffer& out) {
    if (std::string why = os::unavailable_here(os::StateKind::Uid, sandbox::single_id_reason()); !why.empty())
      sandbox::fail_environment(out, why);
  });
  // "... maps a single uid (/proc/self/uid_map): WHY; no thread can switch ...": the tests
  // match WHY (the whole message when the sandbox gave no why).
  std::string why = rec.env_error;
  if (const auto at = why.find("_map): "); at != std::string::npos) {
    why = why.substr(at + 7);
    why = why.substr(0, why.find("; no thread can switch"));
  }
  return known[uid] = why;
}

sandbox::RunRecord run_program(const Program& p, std::function<void()> main_fn) {
  const rt::Policy policy = scenario::load_policy(p.policy);
  auto strategy = rt::make_strategy(p.strategy);
  return sandbox::run_sandboxed(p.sandbox, [&](trace::TraceBuffer& buffer) {
    runner::StepRecorder rec(buffer, p.observe_mask);
    rt::Config cfg;
    cfg.policy = policy;
    cfg.strategy = strategy.get();
    cfg.tracer = &rec;
    cfg.procs = p.procs;
    cfg.idle_threads = p.idle_threads;
    rt::run_main(cfg, main_fn);
  });
}

void note(const std::string& what, nlohmann::json extra, rt::Observe observe) {
  extra["what"] = what;
  const trace::Note n{rt::current_goid(), static_cast<trace::MId>(rt::current_mid()), rt::current_tid(),
                      static_cast<std::int32_t>(::syscall(SYS_gettid))};
  const std::string payload = extra.dump();
  std::vector<trace::Record> text(1 + payload.size() / trace::kRecordBody);
  const std::size_t k = trace::encode_text(payload, 0, text);
  rt::Emit(trace::encode(n), std::span(text.data(), k), observe);
}

std::vector<NoteView> notes(const sandbox::RunRecord& r, const std::string& what) {
  std::vector<NoteView> out;
  for (const auto& [ev, n] : events<trace::Note>(r)) {
    nlohmann::json d = nlohmann::json::parse(ev->text, nullptr, false);
    if (!d.is_object() || d.value("what", "") != what) continue;
    d["g"] = n->g;
    d["m"] = n->m;
    d["tid"] = n->tid;
    d["gettid"] = n->gettid;
    out.push_back({std::move(d), ev});
  }
  return out;
}

bool completed(const sandbox::RunRecord& r) {
  return !events<trace::Exit>(r, [](const trace::Exit& e) { return e.code == 0; }).empty();
}

std::string fault(const sandbox::RunRecord& r) {
  for (const auto& [ev, f] : events<trace::Fault>(r)) return ev->text;
  return {};
}

const trace::StateValue* task_state(const trace::Event& ev, std::int32_t tid, os::StateKind kind) {
  const trace::TaskRow* row = ev.task(tid);
  const auto k = static_cast<trace::KindIndex>(os::index(kind));
  return row != nullptr && row->has(k) ? &row->state[k] : nullptr;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string trimmed(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  return s;
}

}  // namespace nsleak::test
