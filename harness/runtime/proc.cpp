// proc.go in miniature: run queues, the idle lists, schedule/findRunnable, execute, and the
// P handoff dance (handoffp, startm/stopm, startlockedm/stoplockedm, wakep).
//
// Every function keeps Go's name and, as far as this model needs, Go's logic; read it beside
// src/runtime/proc.go. All of it runs with the baton held (baton.hpp), so no locks.
#include <algorithm>
#include <array>
#include <utility>

#include "harness/os/sanitizer_build.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

thread_local M* tls_m = nullptr;

void dropg() {
  M* mp = getm();
  if (mp->curg != nullptr) mp->curg->m = nullptr;
  mp->curg = nullptr;
}

void resetspinning() {
  auto& s = sched();
  M* mp = getm();
  casmstatus(mp, MStatus::Spinning, MStatus::Running);
  if (--s.nmspinning < 0) throw_("resetspinning: negative nmspinning");
  // The M found work: start another spinning M in case there is more (proc.go does the same).
  if (s.nmspinning == 0 && !s.pidle.empty()) wakep();
}

// A runnable G an M could take, in Go's order of preference.
struct Candidate {
  G* g;
  P* from;  // nullptr: the global run queue
  bool runnext;
  trace::GSource source;
};

// On the stack: findRunnable runs on every switch and must not allocate. At most runnext,
// local and global, or one queue head and one runnext per other P.
class Candidates {
 public:
  static constexpr std::size_t kCapacity = 2 * kMaxProcs;
  void push_back(const Candidate& c) {
    if (n_ == kCapacity) throw_("findRunnable: more candidates than GOMAXPROCS allows");
    c_[n_++] = c;
  }
  bool empty() const { return n_ == 0; }
  std::size_t size() const { return n_; }
  const Candidate& operator[](std::size_t i) const { return c_[i]; }
  const Candidate& front() const { return c_[0]; }
  const Candidate* begin() const { return c_.data(); }
  const Candidate* end() const { return c_.data() + n_; }

 private:
  std::array<Candidate, kCapacity> c_;
  std::size_t n_ = 0;
};

void take(const Candidate& c) {
  if (c.from == nullptr) {
    sched().runq.pop_front();
  } else if (c.runnext) {
    c.from->runnext = nullptr;
  } else {
    c.from->runq.pop_front();
  }
}

void add_local(Candidates& out, P* pp, trace::GSource next_src, trace::GSource q_src) {
  if (pp->runnext != nullptr) out.push_back({pp->runnext, pp, true, next_src});
  if (!pp->runq.empty()) out.push_back({pp->runq.front(), pp, false, q_src});
}

void candidates(P* pp, Candidates& c) {
  auto& s = sched();
  add_local(c, pp, trace::GSource::Runnext, trace::GSource::Local);
  if (!s.runq.empty()) c.push_back({s.runq.front(), nullptr, false, trace::GSource::Global});
  if (!c.empty()) return;
  // Steal, starting with the next P (Go randomises the order; exploration covers that).
  const auto n = s.allp.size();
  for (std::size_t k = 1; k < n; ++k) {
    P* victim = s.allp[(static_cast<std::size_t>(pp->id) + k) % n].get();
    // Queue first: Go only takes a victim's runnext on its last stealing round.
    if (!victim->runq.empty()) c.push_back({victim->runq.front(), victim, false, trace::GSource::Steal});
  }
  for (std::size_t k = 1; k < n; ++k) {
    P* victim = s.allp[(static_cast<std::size_t>(pp->id) + k) % n].get();
    if (victim->runnext != nullptr) c.push_back({victim->runnext, victim, true, trace::GSource::StealRunnext});
  }
}

bool work_anywhere() {
  auto& s = sched();
  if (!s.runq.empty()) return true;
  for (auto& p : s.allp)
    if (!p->runqempty()) return true;
  return false;
}

// findRunnable: a G for this M to run, blocking (stopm) until there is one. `mp` is the
// calling M: this runs on its g0, which never migrates, so the schedule loop's getm() holds
// (each getm() is an out-of-line call, on every switch).
G* findRunnable(M* mp) {
  auto& s = sched();
  for (;;) {
    P* pp = mp->p;
    checkTimers();  // any M with a P runs the timers that are due (proc.go's checkTimers)
    Candidates c;
    candidates(pp, c);
    if (!c.empty()) {
      if (c.front().from != pp && c.front().from != nullptr && !mp->spinning()) {
        casmstatus(mp, MStatus::Running, MStatus::Spinning);  // stealing Ms are spinning Ms
        ++s.nmspinning;
      }
      // An M that startm woke is meanwhile waking on its own core and may take this work
      // first (option 1); this M, already on its core, usually wins (option 0).
      if (M* woken = s.baton.first_ready([mp](const M* m) { return m != mp && m->woken_op >= 0 && m->lockedg == nullptr; })) {
        using trace::WakePAction;
        const std::array<trace::ChoiceOption, 2> opts{wakep_option(woken, WakePAction::Wait),
                                                      wakep_option(woken, WakePAction::Run)};
        if (choose(trace::ChoiceKind::WakeP, opts) == 1) {
          woken->woken_op = -1;
          s.baton.pass_to(mp, woken);
          continue;  // look again: the work may be gone
        }
      }
      std::size_t i = 0;
      if (c.size() > 1) {  // options only for a real choice: this is every schedule's hot path
        // Local or global work is pick-g; only stealing candidates are stealWork's victims.
        const bool steal = c.front().source == trace::GSource::Steal || c.front().source == trace::GSource::StealRunnext;
        const auto kind = steal ? trace::ChoiceKind::StealWork : trace::ChoiceKind::PickG;
        auto& opts = sched().choice_options;
        const std::size_t n = c.size();  // <= kMaxChoiceOptions: see there
        for (std::size_t k = 0; k < n; ++k) opts[k] = g_option(kind, c[k].g, c[k].source);
        i = choose(kind, std::span(opts.data(), n));
      }
      // By reference, field by field: a copy loaded the candidate in 16-byte pieces across the
      // 8-byte stores push_back made, a store-forwarding stall that was half of findRunnable's
      // time on the switch path (perf, the switch bench).
      const Candidate& pick = c[i];
      take(pick);
      return pick.g;
    }
    // Nothing to do: give up the P, stop spinning, then re-check before sleeping. Work that
    // arrived in between would otherwise be lost (proc.go's "delicate dance").
    pidleput(releasep());
    const bool was_spinning = mp->spinning();
    if (was_spinning) {
      casmstatus(mp, MStatus::Spinning, MStatus::Running);
      --s.nmspinning;
    }
    if (work_anywhere()) {
      if (P* again = pidleget()) {
        acquirep(again);
        if (was_spinning) {
          casmstatus(mp, MStatus::Running, MStatus::Spinning);
          ++s.nmspinning;
        }
        continue;
      }
    }
    stopm();
  }
}

// schedule: pick the next G for M `mp`, on its g0 (Go's schedule() up to execute()).
G* schedule(M* mp) {
  if (mp->lockedg != nullptr) {
    stoplockedm();
    return mp->lockedg;
  }
  for (;;) {
    G* gp = findRunnable(mp);
    if (mp->spinning()) resetspinning();
    if (gp->lockedm != nullptr) {
      // Invariant 2: a locked G runs only on its M. Hand our P to that M and stop.
      startlockedm(gp);
      continue;
    }
    return gp;
  }
}

// execute up to the switch: gp becomes mp's current G. Inlined into both switch paths.
[[gnu::always_inline]] inline void execute_bookkeeping(M* mp, G* gp) {
  if (mp->lockedg != nullptr && mp->lockedg != gp) throw_("execute: locked M runs a foreign G");
  mp->curg = gp;
  gp->m = mp;
  casgstatus(gp, GStatus::Runnable, GStatus::Running);
  trace_execute(trace::Execute{gp->goid, mid32(mp), mp->tid});
}

void execute(M* mp, G* gp) {  // on mp's g0
  execute_bookkeeping(mp, gp);
  gp->ctx->switch_from_g0();
}

}  // namespace

__attribute__((noinline)) M* getm() {
  asm volatile("" ::: "memory");  // re-read the thread pointer: the G may have migrated
  return tls_m;
}
__attribute__((noinline)) G* getg() {
  M* mp = getm();
  return mp == nullptr ? nullptr : mp->curg;
}
void setm(M* m) { tls_m = m; }

trace::ChoiceOption m_option(trace::ChoiceKind kind, const M* m) {
  return {kind, 0, m->id, trace::OptionSubject::M, static_cast<std::uint32_t>(m->role), m->role_occ};
}
trace::ChoiceOption g_option(trace::ChoiceKind kind, const G* g, trace::GSource source) {
  return {kind, static_cast<std::uint8_t>(source), g->goid, trace::OptionSubject::G, g->fn_tag, g->spawn};
}
trace::ChoiceOption action_option(trace::ChoiceKind kind, std::uint8_t action) {
  return {kind, action, -1, trace::OptionSubject::Action, 0, 0};
}

trace::ChoiceOption wakep_option(const M* woken, trace::WakePAction action) {
  auto o = action_option(trace::ChoiceKind::WakeP, static_cast<std::uint8_t>(action));
  o.id = woken->id;
  return o;
}

void label_g(G* gp, std::uint32_t fn_tag) {
  auto& v = sched().spawned;
  if (fn_tag >= v.size()) v.resize(fn_tag + 1);
  gp->fn_tag = fn_tag;
  gp->spawn = ++v[fn_tag];
}

void OpDone(std::uint32_t op) {
  auto& s = sched();
  if (op >= s.op_done.size()) s.op_done.resize(op + 1);  // grows once per larger id
  s.at = {op, ++s.op_done[op], 0};
  s.nth.fill(0);
}

std::size_t choose(trace::ChoiceKind kind, std::span<const trace::ChoiceOption> options) {
  if (options.size() <= 1) return 0;
  auto& s = sched();
  trace::ChoicePoint at = s.at;
  const auto k = static_cast<std::size_t>(kind);
  if (k < s.nth.size()) at.nth = ++s.nth[k];
  const trace::MId by = mid32(getm());
  const std::size_t i = s.strategy->choose(Choice{kind, options, at, by});
  if (i >= options.size()) throw_("strategy returned an out-of-range choice");
  auto& attached = s.choice_records;
  const std::size_t n = std::min(options.size(), attached.size());
  for (std::size_t k = 0; k < n; ++k) attached[k] = trace::encode(options[k], trace::kAttachedFlag);
  trace_commit(trace::encode(trace::Choice{kind, static_cast<std::uint16_t>(options.size()), static_cast<std::uint16_t>(i), at, by}),
               std::span(attached.data(), n), Observe::None);
  return i;
}

// Run queues ------------------------------------------------------------------------------

void runqput(P* pp, G* gp, bool next) {
  if (next) {
    if (G* old = std::exchange(pp->runnext, gp)) pp->runq.push_back(old);  // kick old to tail
    return;
  }
  pp->runq.push_back(gp);
}

void pidleput(P* pp) {
  if (!pp->runqempty()) throw_("pidleput: P has non-empty run queue");
  if (pp->status != PStatus::Idle) throw_("pidleput: P is not idle");
  sched().pidle.push_back(pp);
}

P* pidleget() {
  auto& v = sched().pidle;
  if (v.empty()) return nullptr;
  P* pp = v.back();
  v.pop_back();
  return pp;
}

void mput(M* mp) { sched().midle.push_back(mp); }

// mget: an idle M for startm. Go pops the head of sched.midle, the M that stopped last
// (option 0); which idle thread wakes is a choice, since the Ms' threads differ in state.
M* mget() {
  auto& v = sched().midle;
  if (v.empty()) return nullptr;
  std::size_t i = 0;
  if (v.size() > 1) {
    auto& opts = sched().choice_options;
    const std::size_t n = std::min(v.size(), opts.size());
    for (std::size_t k = 0; k < n; ++k) opts[k] = m_option(trace::ChoiceKind::Startm, v[v.size() - 1 - k]);
    i = choose(trace::ChoiceKind::Startm, std::span(opts.data(), n));
  }
  const auto at = v.end() - 1 - static_cast<std::ptrdiff_t>(i);
  M* mp = *at;
  v.erase(at);
  return mp;
}

void acquirep(P* pp) {
  M* mp = getm();
  if (pp == nullptr) throw_("acquirep: nil P");
  if (mp->p != nullptr || pp->m != nullptr) throw_("acquirep: invalid P state");
  mp->p = pp;
  pp->m = mp;
  caspstatus(pp, PStatus::Idle, PStatus::Running);
}

P* releasep() {
  M* mp = getm();
  P* pp = mp->p;
  if (pp == nullptr || pp->m != mp) throw_("releasep: invalid P state");
  mp->p = nullptr;
  pp->m = nullptr;
  caspstatus(pp, PStatus::Running, PStatus::Idle);
  return pp;
}

// Waking and stopping Ms ------------------------------------------------------------------

// wakep: another P could run Gs; start a spinning M for it unless one is already looking.
void wakep() {
  auto& s = sched();
  if (s.pidle.empty() || s.nmspinning != 0) return;
  ++s.nmspinning;
  (void)startm(nullptr, true);
}

// startm: run some M on pp (or an idle P), waking an idle M or making a new one. Returns
// that M, or nullptr (no idle P). The M is woken now and starts running on its own core:
// from the waker's next op boundary on it may run beside it (the wakep choice, Checkpoint).
M* startm(P* pp, bool spinning) {
  auto& s = sched();
  if (pp == nullptr) {
    pp = pidleget();
    if (pp == nullptr) {
      if (spinning) --s.nmspinning;
      return nullptr;
    }
  }
  M* nmp = mget();
  if (nmp == nullptr) {
    std::function<void()> fn;
    if (spinning) fn = [] { casmstatus(getm(), MStatus::Running, MStatus::Spinning); };  // mspinning
    nmp = newm(std::move(fn), pp, trace::MRole::Startm);
    nmp->woken_op = s.ops;
    nmp->woken_syscalls = s.syscalls;
    return nmp;
  }
  if (nmp->nextp != nullptr) throw_("startm: M has a P");
  casmstatus(nmp, MStatus::Idle, spinning ? MStatus::Spinning : MStatus::Running);
  nmp->nextp = pp;
  trace(trace::StartM{mid32(nmp), static_cast<std::int32_t>(pp->id), mid32(getm())});
  nmp->woken_op = s.ops;
  nmp->woken_syscalls = s.syscalls;
  notewakeup(nmp->park);
  return nmp;
}

// stopm: park this M on the idle list until startm gives it a P.
void stopm() {
  M* mp = getm();
  if (mp->p != nullptr) throw_("stopm holding p");
  casmstatus(mp, MStatus::Running, MStatus::Idle);  // a spinning M must stop spinning first
  mput(mp);
  notesleep(mp->park);
  acquirep(std::exchange(mp->nextp, nullptr));
}

// handoffp: this M gives up pp (blocking, locked, exiting); find it another M if useful.
void handoffp(P* pp) {
  auto& s = sched();
  trace(trace::HandoffP{static_cast<std::int32_t>(pp->id), mid32(getm())});
  if (!pp->runqempty() || !s.runq.empty()) {
    (void)startm(pp, false);
    return;
  }
  // No work, and no M is looking for any: start a spinning one (it may find work soon).
  if (s.nmspinning + static_cast<int>(s.pidle.size()) == 0) {
    ++s.nmspinning;
    (void)startm(pp, true);
    return;
  }
  pidleput(pp);
}

// stoplockedm: this M's locked G blocked; hand off the P and sleep until the G is runnable.
void stoplockedm() {
  M* mp = getm();
  if (mp->lockedg == nullptr || mp->lockedg->lockedm != mp) throw_("stoplockedm: inconsistent locking");
  if (mp->p != nullptr) handoffp(releasep());
  casmstatus(mp, MStatus::Running, MStatus::Parked);
  trace(trace::StopLockedM{mid32(mp), mp->lockedg->goid});
  notesleep(mp->park);
  casmstatus(mp, MStatus::Parked, MStatus::Running);
  acquirep(std::exchange(mp->nextp, nullptr));
}

// startlockedm: gp is locked to another M: give that M our P directly, and stop.
void startlockedm(G* gp) {
  M* self = getm();
  M* mp = gp->lockedm;
  if (mp == self) throw_("startlockedm: locked to me");
  if (mp->nextp != nullptr) throw_("startlockedm: m has p");
  P* pp = releasep();
  mp->nextp = pp;
  trace(trace::StartLockedM{gp->goid, mid32(mp), mid32(self), static_cast<std::int32_t>(pp->id)});
  notewakeup(mp->park);
  stopm();
}

// G lifecycle ---------------------------------------------------------------------------

void mcall(void (*fn)(G*)) {
  M* mp = getm();
  G* gp = mp->curg;
  mp->mcallfn = fn;
  mp->mcallg = gp;
  gp->ctx->switch_to_g0();
}

void gopark(WaitReason reason, const std::string* obj, std::uint32_t tag) {
  G* gp = getg();
  gp->waitreason = reason;
  gp->waitobj = obj;
  trace(trace::Park{gp->goid, mid32(getm()), reason, tag});
  mcall([](G* g) {  // park_m
    casgstatus(g, GStatus::Running, GStatus::Waiting);
    dropg();
  });
}

void ready(G* gp) {
  M* mp = getm();
  casgstatus(gp, GStatus::Waiting, GStatus::Runnable);
  gp->waitreason = WaitReason::None;
  gp->waitobj = nullptr;
  trace(trace::Ready{gp->goid, mid32(mp)});
  if (mp->p == nullptr) {
    // sysmon (no P): inject into the global queue and start Ms for idle Ps.
    globrunqput(gp);
    if (!sched().pidle.empty()) (void)startm(nullptr, false);
    return;
  }
  runqput(mp->p, gp, true);
  wakep();
}

// goschedImpl: the G goes to the *global* queue and this M schedules. Go does not wakep
// here, so this M usually takes the G straight back (option 0: its findRunnable looks at the
// global queue right after its own); but an M that is spinning at that moment may take it
// first, and the G moves threads (option 1). Under a lock schedule() -> stoplockedm decides.
void injectglist(G* gp) {
  auto& s = sched();
  M* mp = getm();
  casgstatus(gp, GStatus::Waiting, GStatus::Runnable);
  gp->waitreason = WaitReason::None;
  gp->waitobj = nullptr;
  trace(trace::Ready{gp->goid, mid32(mp)});
  if (mp->p == nullptr || !s.pidle.empty()) {
    globrunqput(gp);
    if (!s.pidle.empty()) (void)startm(nullptr, false);  // startIdle
    return;
  }
  runqput(mp->p, gp, false);  // runqputbatch: the tail of the local queue, not runnext
}

namespace {

// Who may take a yielding G before its own M does (goschedImpl's choice): an M startm woke
// that has not run yet and is about to look for work, or, without one, an M that happens to
// be spinning — possible while Ps are idle and no M spins yet.
struct GoschedRival {
  M* woken = nullptr;
  bool can_spin_up = false;
  bool any() const { return woken != nullptr || can_spin_up; }
};

[[gnu::always_inline]] inline GoschedRival gosched_rival() {
  auto& s = sched();
  GoschedRival r;
  r.woken = s.baton.first_ready([](const M* m) { return m->woken_op >= 0 && m->lockedg == nullptr; });
  r.can_spin_up = r.woken == nullptr && !s.pidle.empty() && s.nmspinning == 0;
  return r;
}

void startlockedm_m(G* gp) { startlockedm(gp); }  // then schedule_loop schedules, as schedule() would

}  // namespace

void gosched_m(G* gp) {
  auto& s = sched();
  casgstatus(gp, GStatus::Running, GStatus::Runnable);
  dropg();
  globrunqput(gp);
  if (gp->lockedm != nullptr || !s.main_started) return;
  const GoschedRival rival = gosched_rival();
  M* other = rival.woken;
  if (!rival.any()) return;
  using trace::GoschedTaker;
  const std::array<trace::ChoiceOption, 2> opts{
      action_option(trace::ChoiceKind::Gosched, static_cast<std::uint8_t>(GoschedTaker::Self)),
      other != nullptr ? m_option(trace::ChoiceKind::Gosched, other)
                       : action_option(trace::ChoiceKind::Gosched, static_cast<std::uint8_t>(GoschedTaker::Other))};
  if (choose(trace::ChoiceKind::Gosched, opts) == 0) return;
  if (other == nullptr) {  // an M that happens to be spinning: as wakep would start one
    ++s.nmspinning;
    other = startm(nullptr, true);
  }
  if (other != nullptr && other->ready) {
    other->woken_op = -1;
    s.baton.pass_to(getm(), other);
  }
}

void schedule_loop() {
  M* mp = getm();  // g0 never migrates
  for (;;) {
    G* gp = std::exchange(mp->runnow, nullptr);
    if (gp == nullptr) gp = schedule(mp);
    execute(mp, gp);
    // Back on g0: a G switched out (the one executed, or one it ran directly: gosched_direct)
    // and asked for something to be done with it.
    if (auto fn = std::exchange(mp->mcallfn, nullptr)) fn(std::exchange(mp->mcallg, nullptr));
  }
}

// Gosched's whole path — gosched_m, schedule, execute — run on the yielding G's own stack,
// switching straight to the next G (or to none: it may be this one again), when nothing on
// that path can block this M, which only g0 may do: the same decisions in the same order as
// on g0, one context switch instead of two. Blocking points, all checked before anything
// changes: stoplockedm (a locked G's M), the gosched and wakep choices' baton passes (a woken
// M not yet run, or Ps idle with no M spinning), timers that fire (their readying may wake an
// M), and startlockedm (the next G is locked to another M: g0 does that part). findRunnable
// cannot stop this M: the yielding G is on the global queue.
bool gosched_direct_off = false;

bool gosched_direct() {
  if constexpr (os::kSanitizerBuild) return false;  // GContext's annotations cover g0 <-> G only
  auto& s = sched();
  M* mp = getm();
  G* gp = mp->curg;
  if (gp->lockedm != nullptr || mp->lockedg != nullptr || !s.timers.empty() || gosched_direct_off) return false;
  const GoschedRival rival = gosched_rival();
  // Before main starts gosched_m asks no one, but findRunnable's wakep choice still would.
  if (rival.woken != nullptr || (s.main_started && rival.can_spin_up)) return false;
  ++s.direct_goscheds;
  casgstatus(gp, GStatus::Running, GStatus::Runnable);  // gosched_m, up to its choice
  dropg();
  globrunqput(gp);
  G* next = findRunnable(mp);  // schedule(mp), from its loop: mp is not locked
  if (mp->spinning()) resetspinning();
  if (next->lockedm != nullptr) {
    mp->mcallfn = startlockedm_m;
    mp->mcallg = next;
    gp->ctx->switch_to_g0();
    return true;
  }
  execute_bookkeeping(mp, next);
  if (next != gp) gp->ctx->switch_to(*next->ctx);
  return true;
}

G* newproc(std::function<void()> fn, const std::string& name) {
  auto& s = sched();
  check_new_g();
  ++s.live_gs;
  auto owned = std::make_unique<G>();
  G* gp = owned.get();
  gp->goid = ++s.goidgen;
  gp->name = name;
  gp->ctx = std::make_unique<GContext>([gp, fn = std::move(fn)] { gentry(gp, fn); });
  s.allgs.push_back(std::move(owned));
  return gp;
}

}  // namespace nsleak::rt
