// State fingerprints (fingerprint.hpp): reads the scheduler's state, changes nothing.
#include "harness/runtime/fingerprint.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

const ProgramState* g_program = nullptr;
os::StateSet g_origin{};  // M0's state as the run began (set_origin_state)

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t pid(const P* p) { return p != nullptr ? static_cast<std::uint64_t>(p->id) : ~0ull; }

void add_queue(StateHasher& h, const GQueue& q) {
  std::uint64_t n = 0;
  for (const G* g = q.front(); g != nullptr; g = g->schedlink, ++n) h.add_g(g);
  h.add(n);
}

// Where a sleeping or ready M will go on when it runs again: each site below is one place in
// the runtime whose continuation depends only on the M's fields (all hashed), so Ms sleeping
// at one site with equal fields go on alike. 0: not covered.
enum Site : std::uint64_t {
  kUncovered = 0,
  kAsker,        // the M asking this preempt choice, in Checkpoint
  kStopm,        // notesleep in stopm (Idle; or woken by startm: nextp set, signaled). Its three
                 // callers (findRunnable, exitsyscall0, startlockedm; a pool M's mstartfn) all
                 // go on into findRunnable's loop with the P startm gave it
  kStoplockedm,  // notesleep in stoplockedm (Parked): takes nextp, runs its lockedg
  kWedged,       // mexit on M0: parked for ever
  kSysmon,       // sysmon's loop
  kTemplate,     // templateThread's loop (its batch empty)
  kCheckpoint,   // ready inside Checkpoint (yield-m, or passed to a woken M): returns to its G
  kExited,
  kInKernel,     // ready at a syscall site (M::sys_site) with its G in the call: what is left of
                 // Syscall/BlockingSyscall reads only the M's fields, sys_p and sys_waits
};

Site site_of(const M* mp, const M* asker) {
  if (mp == asker) return kAsker;
  if (mp->exited()) return kExited;
  if (mp->park.sleeping) {
    if (mp->role == trace::MRole::Sysmon) return kSysmon;
    if (mp->role == trace::MRole::Template) return sched().newmHandoff.newm.empty() ? kTemplate : kUncovered;
    switch (mp->status) {
      case MStatus::Idle: return mp->park.signaled ? kUncovered : kStopm;
      case MStatus::Parked: return kStoplockedm;
      case MStatus::Wedged: return kWedged;
      case MStatus::Running:
      case MStatus::Spinning: return mp->park.signaled && mp->nextp != nullptr && mp->ready ? kStopm : kUncovered;
      default: return kUncovered;
    }
  }
  if (mp->ready && mp->curg != nullptr && mp->curg->m == mp && mp->curg->status == GStatus::Running) return kCheckpoint;
  if (mp->ready && mp->curg != nullptr && mp->curg->m == mp && mp->curg->status == GStatus::Syscall &&
      (mp->sys_site == SysSite::AfterRetake || mp->sys_site == SysSite::WaitsReturn ||
       mp->sys_site == SysSite::BlockingReturn))
    return kInKernel;
  return kUncovered;
}

}  // namespace

void StateHasher::add(std::uint64_t v) {
  a_ = mix(a_ ^ v) + 0x632be59bd9b4e019ull;
  b_ = mix(b_ + v * 0x9e3779b97f4a7c15ull) ^ 0x85ebca6b0c2b2ae3ull;
}

void StateHasher::add_bytes(const void* p, std::size_t n) {
  const auto* c = static_cast<const unsigned char*>(p);
  add(n);
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, c + i, std::min<std::size_t>(8, n - i));
    add(w);
  }
}

void StateHasher::add_value(os::StateKind k, const os::StateValue& v) {
  const std::size_t ki = os::index(k);
  add(ki);
  if (!v.valid() || program_ == nullptr) {
    add(v.major);
    add(v.minor);
    return;
  }
  if (!os::is_namespace(k)) {
    // Any other kind by value, but the value the run started with by a mark no value has (a
    // value's top byte is its kind's tag, 0x80 | row): which CPU a run starts on is its
    // server's (runner/run_server.cpp spreads parallel servers of programs that never observe
    // the affinity), so the same state reached by two workers hashes alike. A program that
    // observes it starts every run on one CPU, where the mark is exactly the value.
    if (v == g_origin[ki]) {
      add(~0ull);
      add(~0ull);
    } else {
      add(v.major);
      add(v.minor);
    }
    return;
  }
  const std::uint64_t cls = program_->value_class(k, v);
  auto [it, fresh] = seen_.try_emplace({ki, v}, 0);
  if (fresh) it->second = next_in_class_[{ki, cls}]++;
  add(cls);
  add(it->second);
}

void StateHasher::add_state(const os::StateSet& s) {
  for (auto k : os::kAllKinds) add_value(k, s[os::index(k)]);
}

void StateHasher::add_m(std::int64_t id) {
  if (id < 0 || m_canon_ == nullptr || static_cast<std::size_t>(id) >= m_canon_->size()) return add(~0ull - 1);
  add((*m_canon_)[static_cast<std::size_t>(id)]);
}
void StateHasher::add_m(const M* m) { add_m(m != nullptr ? m->id : -1); }
void StateHasher::add_g(const G* g) {
  if (g == nullptr || g_canon_ == nullptr || static_cast<std::size_t>(g->goid) >= g_canon_->size()) return add(~0ull - 1);
  add((*g_canon_)[static_cast<std::size_t>(g->goid)]);
}

Fingerprint StateHasher::done() const { return {mix(a_), mix(b_ ^ 0x2545f4914f6cdd1dull)}; }

void hash_into(StateHasher& h, const Chan& c) {
  h.add(static_cast<std::uint64_t>(c.cap_));
  h.add(static_cast<std::uint64_t>(c.qcount_));
  h.add(c.closed_);
  h.add(c.recvq_.size());
  for (const G* g : c.recvq_) h.add_g(g);
  h.add(c.sendq_.size());
  for (const G* g : c.sendq_) h.add_g(g);
}

void hash_into(StateHasher& h, const WaitGroup& w) {
  h.add(static_cast<std::uint64_t>(w.counter_));
  h.add(w.waiters_.size());
  for (const G* g : w.waiters_) h.add_g(g);
}

void goroutines_of(const Chan& c, std::vector<const G*>& out) {
  out.insert(out.end(), c.recvq_.begin(), c.recvq_.end());
  out.insert(out.end(), c.sendq_.begin(), c.sendq_.end());
}
void goroutines_of(const WaitGroup& w, std::vector<const G*>& out) { out.insert(out.end(), w.waiters_.begin(), w.waiters_.end()); }

unsigned fingerprint_leave_out = 0;

void set_program_state(const ProgramState* p) { g_program = p; }
void set_origin_state(const os::StateSet& s) { g_origin = s; }

std::optional<Fingerprint> state_fingerprint(const Choice& c) {
  if (g_program == nullptr) return std::nullopt;
  const auto& s = sched();
  const M* asker = getm();
  if (asker == nullptr || asker->curg == nullptr || s.baton.holder() != asker) return std::nullopt;
  // A preempt asks in Checkpoint with its G at a boundary (checked with the Gs below); a
  // retake inside Syscall, its G in the kernel.
  if (c.kind == trace::ChoiceKind::Retake) {
    if (asker->sys_site != SysSite::RetakeAsk || asker->curg->status != GStatus::Syscall) return std::nullopt;
  } else if (c.kind != trace::ChoiceKind::Preempt || asker->sys_site != SysSite::None) {
    return std::nullopt;
  }
  StateHasher h(g_program);

  // Ms by the order in which the state's structure reaches them, never by id: two states that
  // differ only in which of two threads is which (the idle list holding m2 then m3, or m3 then
  // m2, with equal fields) are one state up to renaming threads, and nothing the runtime or
  // the outcome reads depends on an M's number (docs/scheduler.md §Pruning).
  std::vector<std::uint64_t> canon(s.allm.size(), ~0ull);
  std::vector<const M*> order;
  const auto reach = [&](const M* m) {
    if (m != nullptr && canon[static_cast<std::size_t>(m->id)] == ~0ull) {
      canon[static_cast<std::size_t>(m->id)] = order.size();
      order.push_back(m);
    }
  };
  reach(asker);
  s.baton.first_ready([&](const M* m) {
    reach(m);
    return false;
  });
  for (const auto& pp : s.allp) reach(pp->m);
  for (const M* m : s.midle) reach(m);
  for (const auto& gp : s.allgs) {
    reach(gp->m);
    reach(gp->lockedm);
  }
  reach(s.m0);
  reach(s.sysmon);
  reach(s.newmHandoff.templ);
  for (const M* m : s.newmHandoff.newm) reach(m);
  for (const M* m : s.exiting) reach(m);
  std::vector<std::int64_t> held;
  g_program->threads(held);
  for (std::int64_t id : held)
    if (id >= 0 && static_cast<std::size_t>(id) < s.allm.size()) reach(s.allm[static_cast<std::size_t>(id)].get());
  h.set_m_numbering(&canon);

  // Goroutines the same way: by where the structure holds them (on an M, in a queue, in a
  // channel's or WaitGroup's wait list, asleep), so that two goroutines of one function at
  // the same place in their code, swapped, are one state (the outcome groups goroutines by
  // function; the program hashes a goroutine's occurrence only where a `$i` name reads it).
  std::vector<std::uint64_t> gcanon(static_cast<std::size_t>(s.goidgen) + 1, ~0ull);
  std::vector<const G*> gorder;
  const auto reach_g = [&](const G* g) {
    if (g != nullptr && g->status != GStatus::Dead && gcanon[static_cast<std::size_t>(g->goid)] == ~0ull) {
      gcanon[static_cast<std::size_t>(g->goid)] = gorder.size();
      gorder.push_back(g);
    }
  };
  for (const M* m : order) {
    reach_g(m->curg);
    reach_g(m->lockedg);
    reach_g(m->runnow);
    reach_g(m->mcallg);
  }
  for (const auto& pp : s.allp) {
    reach_g(pp->runnext);
    for (const G* g = pp->runq.front(); g != nullptr; g = g->schedlink) reach_g(g);
  }
  for (const G* g = s.runq.front(); g != nullptr; g = g->schedlink) reach_g(g);
  for (const G* g : s.timers) reach_g(g);
  reach_g(s.main_g);
  std::vector<const G*> gheld;
  g_program->goroutines(gheld);
  for (const G* g : gheld) reach_g(g);
  h.set_g_numbering(&gcanon);

  // The choice itself: its options follow from the state, but hashing them costs nothing.
  h.add(static_cast<std::uint64_t>(c.kind));
  h.add(c.options.size());
  for (const auto& o : c.options) h.add(o.detail);

  // Every M: where it sleeps or waits, and every field its continuation reads.
  std::vector<std::pair<Fingerprint, int>> unreached;  // exited Ms nothing refers to: a multiset
  for (const auto& mp : s.allm) {
    const Site site = site_of(mp.get(), asker);
    if (site == kUncovered) return std::nullopt;
    if (site == kCheckpoint) {
      StateHasher scratch(g_program);
      if (g_program->goroutine(mp->curg->goid, scratch) != ProgramState::Position::AtBoundary) return std::nullopt;
    }
    if (canon[static_cast<std::size_t>(mp->id)] == ~0ull) {
      if (site != kExited) return std::nullopt;  // every live M is reached above
      StateHasher e(g_program);
      e.add(static_cast<std::uint64_t>(mp->role));
      e.add(mp->is_m0);
      e.add(mp->joined);
      e.add(mp->lockedExt);
      unreached.emplace_back(e.done(), 0);
    }
  }
  for (const M* mp : order) {
    h.add(site_of(mp, asker));
    h.add(static_cast<std::uint64_t>(mp->status));
    h.add(static_cast<std::uint64_t>(mp->role));
    h.add(mp->is_m0);
    h.add(mp->clone_fails);
    h.add_g(mp->curg);
    h.add(pid(mp->p));
    h.add(pid(mp->nextp));
    h.add_g(mp->lockedg);
    h.add(mp->lockedExt);
    h.add(mp->lockedInt);
    h.add_g(mp->runnow);
    h.add(mp->joined);
    h.add(mp->ready);
    // A pending wake-up (woken_op >= 0) as what the wakep choice will read of it: whether a
    // syscall has been made since (Sched::syscalls only grows, so that stays true) and how
    // many ops have passed, up to kWakeUpOps (both of its tests, ops > woken_op and
    // ops - woken_op >= kWakeUpOps, are decided by that for every later op). Without one
    // (-1), woken_syscalls is stale: every wake-up sets both fields before anything reads them.
    h.add(mp->woken_op >= 0);
    if (mp->woken_op >= 0) {
      h.add(static_cast<std::uint64_t>(std::min<std::int64_t>(s.ops - mp->woken_op, kWakeUpOps)));
      h.add(mp->woken_syscalls < s.syscalls);
    }
    h.add(mp->park.signaled);
    h.add(mp->park.sleeping);
    h.add(reinterpret_cast<std::uintptr_t>(mp->mcallfn));
    h.add_g(mp->mcallg);
    h.add(static_cast<bool>(mp->mstartfn));
    if ((fingerprint_leave_out & kLeaveOutThreadStates) == 0) h.add_state(mp->ns);
    for (auto sh : mp->share) h.add(static_cast<std::uint64_t>(sh));
    h.add(static_cast<std::uint64_t>(mp->sys_site));
    h.add(pid(mp->sys_p));
    h.add(mp->sys_waits);
  }
  std::sort(unreached.begin(), unreached.end(), [](const auto& x, const auto& y) {
    return std::tie(x.first.a, x.first.b) < std::tie(y.first.a, y.first.b);
  });
  h.add(unreached.size());
  for (const auto& [f, _] : unreached) {
    h.add(f.a);
    h.add(f.b);
  }
  // The order the baton's ready Ms were made ready: the run-m choice's options.
  s.baton.first_ready([&](const M* m) {
    h.add_m(m);
    return false;
  });
  h.add(~0ull);
  for (const auto& pp : s.allp) {
    h.add(static_cast<std::uint64_t>(pp->status));
    h.add_m(pp->m);
    h.add_g(pp->runnext);
    add_queue(h, pp->runq);
  }
  // Every G: the runtime's fields, then the program's position and data. A live G the
  // structure does not hold is somewhere this fingerprint does not cover.
  std::size_t live = 0;
  for (const auto& gp : s.allgs) live += gp->status != GStatus::Dead;
  if (live != gorder.size()) return std::nullopt;
  for (const G* gp : gorder) {
    h.add(static_cast<std::uint64_t>(gp->status));
    const auto pos = g_program->goroutine(gp->goid, h);
    using Position = ProgramState::Position;
    if (pos == Position::Uncovered) return std::nullopt;
    // Running only on the asker or on an M ready in Checkpoint (checked above), at a boundary;
    // InCall only while parked or readied.
    if (gp->status == GStatus::Running && pos != Position::AtBoundary) return std::nullopt;
    // In the kernel only on its own M at a syscall site (the asker's RetakeAsk or kInKernel,
    // both checked with the Ms), or queued by exitsyscall0 (no M: it resumes by returning out
    // of the call); and a G in a syscall only there.
    if (pos == Position::InSyscall) {
      if ((fingerprint_leave_out & kNoInKernel) != 0) return std::nullopt;
      const bool on_m = gp->status == GStatus::Syscall && gp->m != nullptr && gp->m->curg == gp &&
                        gp->m->sys_site != SysSite::None;
      const bool queued = gp->status == GStatus::Runnable && gp->m == nullptr;
      if (!on_m && !queued) return std::nullopt;
    } else if (gp->status == GStatus::Syscall) {
      return std::nullopt;
    }
    if (pos == Position::NotStarted && gp->status != GStatus::Runnable) return std::nullopt;
    h.add(static_cast<std::uint64_t>(pos));
    h.add(gp->fn_tag);
    h.add_m(gp->m);
    h.add_m(gp->lockedm);
    h.add(gp->is_main);
    h.add(static_cast<std::uint64_t>(gp->waitreason));
    if (gp->waitobj != nullptr) h.add_bytes(gp->waitobj->data(), gp->waitobj->size());
    h.add(static_cast<std::uint64_t>(gp->param));
    // A sleeper's wake time relative to the clock: timers only compare wake times with each
    // other and with now_us, and sleeps add to now_us (timers.cpp).
    h.add(gp->wake_at >= 0);
    if (gp->wake_at >= 0) h.add(static_cast<std::uint64_t>(gp->wake_at - s.now_us));
    h.add_state(gp->locked_state);
    h.add(gp->restore_failed);
    h.add(gp->goexit_called);
  }
  h.add(s.allgs.size());
  h.add(s.live_gs);
  h.add(s.live_ms);
  h.add(s.midle.size());
  for (const M* m : s.midle) h.add_m(m);
  h.add(s.pidle.size());
  for (const P* p : s.pidle) h.add(pid(p));
  add_queue(h, s.runq);
  h.add(static_cast<std::uint64_t>(s.nmspinning));
  h.add_g(s.main_g);
  h.add(s.main_started);
  h.add(s.newmHandoff.newm.size());
  for (const M* m : s.newmHandoff.newm) h.add_m(m);
  h.add(s.newmHandoff.waiting);
  h.add(s.newmHandoff.haveTemplateThread);
  h.add_m(s.newmHandoff.templ);
  h.add(s.fail_newm);
  h.add(s.timers.size());
  for (const G* g : s.timers) h.add_g(g);
  // Not the clock, the op count or the syscall count themselves: the future reads them only
  // against a sleeper's wake time and a pending wake-up's marks, hashed relative above (and the
  // trace's timestamps, which no verdict or class reads).
  h.add(pid(s.retake));
  h.add(static_cast<std::uint64_t>(s.next_share));
  h.add(s.exiting.size());
  for (const M* m : s.exiting) h.add_m(m);
  g_program->program(h);
  return h.done();
}

}  // namespace nsleak::rt
