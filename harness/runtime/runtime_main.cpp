// Process-level runtime: start-up on M0 (Go's rt0_go + runtime.main), tracing, and the two
// ways a run ends abnormally — throw (a runtime invariant broke: a harness bug) and fatal
// (the program itself died: deadlock, panic), each with a dump of every G, M and P.
#include <pthread.h>
#include <unistd.h>

#include <array>
#include <span>

#include "harness/os/state_ops.hpp"
#include "harness/os/task_observer.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/runtime/fingerprint.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/sched.hpp"
#include "harness/trace/names.hpp"

namespace nsleak::rt {

Sched g_sched;

namespace {

GoOrderStrategy g_go_order;

nlohmann::json gid(const G* g) { return g ? nlohmann::json(g->goid) : nlohmann::json(nullptr); }
nlohmann::json mid(const M* m) { return m ? nlohmann::json(m->id) : nlohmann::json(nullptr); }
nlohmann::json pid(const P* p) { return p ? nlohmann::json(p->id) : nlohmann::json(nullptr); }

void procresize(int procs) {
  auto& s = sched();
  for (int i = 0; i < procs; ++i) {
    auto p = std::make_unique<P>();
    p->id = i;
    s.allp.push_back(std::move(p));
  }
  acquirep(s.allp[0].get());
  // Idle Ps pushed from the last, so pidleget hands out P1 first (as procresize does).
  for (int i = procs - 1; i >= 1; --i) pidleput(s.allp[static_cast<std::size_t>(i)].get());
}

bool prelude_settled(const std::vector<M*>& started) {
  for (M* m : started)
    if (!m->park.sleeping) return false;
  return true;
}

}  // namespace

void trace_commit(trace::Record owner, std::span<const trace::Record> attached, Observe observe) {
  auto& s = sched();
  if (s.tracer == nullptr) return;
  owner.t = s.now_us / 1000;
  s.tracer->commit(owner, attached, observe);
}

void trace_execute(const trace::Execute& e) {
  auto& s = sched();
  if (s.tracer != nullptr) s.tracer->execute(e, s.now_us / 1000);
}

void Emit(const trace::Record& owner, std::span<const trace::Record> attached, Observe observe) {
  trace_commit(owner, attached, observe);
}

void EmitOwnRead(const trace::Record& owner, std::span<const trace::Record> attached, const os::StateSet& read) {
  auto& s = sched();
  if (s.tracer == nullptr) return;
  trace::Record o = owner;
  o.t = s.now_us / 1000;
  s.tracer->commit_own_read(o, attached, read);
}

namespace {

// A fault: the message and the runtime's state dump as text attached to the event (the one
// place the trace carries prose: it is the program's or the runtime's own words).
void trace_fault(trace::FaultKind kind, const std::string& message) {
  const std::string dump = dump_state().dump();
  std::vector<trace::Record> text(2 + (message.size() + dump.size()) / trace::kRecordBody);
  std::size_t n = trace::encode_text(message, 0, text);
  n += trace::encode_text(dump, 1, std::span(text).subspan(n));
  trace_commit(trace::encode(trace::Fault{kind}), std::span(text.data(), n), Observe::All);
}

}  // namespace

nlohmann::json dump_state() {
  auto& s = sched();
  nlohmann::json d;
  for (auto& g : s.allgs)
    d["gs"].push_back({{"g", g->goid}, {"name", g->name}, {"status", gstatus_name(g->status)},
                       {"wait", g->waitreason_text()}, {"m", mid(g->m)}, {"lockedm", mid(g->lockedm)}});
  for (auto& m : s.allm)
    d["ms"].push_back({{"m", m->id}, {"tid", m->tid}, {"role", trace::role_name(m->role)}, {"p", pid(m->p)},
                       {"curg", gid(m->curg)}, {"lockedg", gid(m->lockedg)},
                       {"lockedExt", m->lockedExt}, {"status", mstatus_name(m->status)},
                       {"spinning", m->spinning()}, {"wedged", m->status == MStatus::Wedged},
                       {"exited", m->exited()}});
  for (auto& p : s.allp) {
    nlohmann::json q = nlohmann::json::array();
    for (G* g : p->runq) q.push_back(g->goid);
    d["ps"].push_back({{"p", p->id}, {"status", pstatus_name(p->status)}, {"m", mid(p->m)}, {"runnext", gid(p->runnext)}, {"runq", q}});
  }
  nlohmann::json q = nlohmann::json::array();
  for (G* g : s.runq) q.push_back(g->goid);
  d["runq"] = q;
  d["nmspinning"] = s.nmspinning;
  d["npidle"] = s.pidle.size();
  d["nmidle"] = s.midle.size();
  return d;
}

void exit_program(int code) {
  trace(trace::Exit{code, mid32(getm())}, true);
  ::_exit(code);
}

void throw_(const std::string& what) {
  trace_fault(trace::FaultKind::Throw, "fatal error: " + what);
  ::_exit(kChildExitThrow);
}

void fatal(const std::string& what) {
  trace_fault(trace::FaultKind::Fatal, what);
  ::_exit(kChildExitFatal);
}

void limit_hit(const std::string& what) {
  trace_fault(trace::FaultKind::Limit, "limit hit: " + what);
  ::_exit(kChildExitLimit);
}

void run_main(const Config& cfg, std::function<void()> main_fn) {
  auto& s = sched();
  s.policy = cfg.policy;
  s.strategy = cfg.strategy ? cfg.strategy : &g_go_order;
  s.tracer = cfg.tracer;
  s.limits = read_run_limits();

  // M0 is this thread: the thread-group leader, whose state /proc/<pid>/ns/* shows.
  auto m0owned = std::make_unique<M>();
  M* m0 = m0owned.get();
  m0->is_m0 = true;
  m0->role = trace::MRole::M0;
  m0->role_occ = ++s.made[static_cast<std::size_t>(trace::MRole::M0)];
  m0->tid = static_cast<pid_t>(::gettid());
  m0->thread = pthread_self();
  m0->park.owner = m0;
  os::current_values(os::kAllKindsMask, m0->ns);
  set_origin_state(m0->ns);
  s.allm.push_back(std::move(m0owned));
  ++s.live_ms;
  s.m0 = m0;
  setm(m0);
  s.baton.init(m0);
  if (cfg.procs > kMaxProcs) throw_("run_main: procs above kMaxProcs");
  procresize(cfg.procs < 1 ? 1 : cfg.procs);
  trace(trace::Start{static_cast<std::int32_t>(s.allp.size()), m0->tid}, true);

  // runtime.main: sysmon, then the threads of the runtime's own goroutines, which are idle
  // in the M pool by the time main.main runs. All are clean clones of M0.
  std::vector<M*> started;
  s.sysmon = newm(sysmon, nullptr, trace::MRole::Sysmon);
  started.push_back(s.sysmon);
  for (int i = 0; i < cfg.idle_threads; ++i) started.push_back(newm([] { stopm(); }, nullptr, trace::MRole::Pool));
  while (!prelude_settled(started)) s.baton.pass(m0, true);

  G* mg = newproc(std::move(main_fn), "main");
  mg->is_main = true;
  label_g(mg, 0);
  s.main_g = mg;
  runqput(m0->p, mg, true);
  s.main_started = true;
  schedule_loop();
}

}  // namespace nsleak::rt
