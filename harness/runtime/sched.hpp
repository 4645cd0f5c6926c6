// Sched: the global scheduler state (Go's `schedt` plus allm/allp/allgs) and the functions of
// proc.go that operate on it. One per process, like Go's runtime: the sandbox child runs it.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/trace/record.hpp"
#include "harness/trace/slots.hpp"
#include "harness/runtime/baton.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/runtime/g.hpp"
#include "harness/runtime/m.hpp"
#include "harness/runtime/p.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/run_limits.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/runtime/tracer.hpp"

namespace nsleak::rt {

struct NewmHandoff {
  std::vector<M*> newm;  // Ms waiting for the template thread to clone them
  bool waiting = false;
  bool haveTemplateThread = false;
  M* templ = nullptr;
};

// A choice offers at most this many options (more ready Ms are still chosen among by the
// baton, from a vector). PickG has at most 3 + 2 * (GOMAXPROCS - 1) candidates: the parser's
// kMaxProcs keeps them within it.
inline constexpr std::size_t kMaxChoiceOptions = 256;
// ... of which a choice's trace event carries the first 64; Choice::noptions always says how
// many there were.
inline constexpr std::size_t kMaxRecordedOptions = 64;

struct Sched {
  Policy policy;
  Strategy* strategy = nullptr;
  Tracer* tracer = nullptr;
  Baton baton;

  std::vector<std::unique_ptr<M>> allm;  // every M ever made, exited ones included
  std::int64_t next_share = 1;  // the next M::share id (0: the process's own)
  std::vector<std::unique_ptr<P>> allp;
  std::vector<std::unique_ptr<G>> allgs;
  std::size_t live_gs = 0, live_ms = 0;  // not dead / not exited: what the run limits count
  std::int64_t direct_goscheds = 0;      // Goscheds that took the direct path (tests read it)
  // The choice being made (one at a time: the baton holder's): its options, written by the
  // chooser, and the records choose() attaches. Here, not on the chooser's
  // stack: 16 KiB of frame there meant stack-clash probes into the fresh pages of every G's
  // and thread's stack in each run, a page fault each (a quarter of an exploration schedule's).
  trace::Slots<trace::ChoiceOption, kMaxChoiceOptions> choice_options;
  trace::Slots<trace::Record, kMaxRecordedOptions> choice_records;
  RunLimits limits;                      // read at the run's start (run_limits.hpp)
  std::vector<M*> midle;  // idle Ms, LIFO like Go's sched.midle
  std::vector<P*> pidle;  // idle Ps, LIFO
  GQueue runq;            // global run queue
  int nmspinning = 0;
  M* m0 = nullptr;
  M* sysmon = nullptr;
  G* main_g = nullptr;
  bool main_started = false;
  NewmHandoff newmHandoff;
  bool fail_newm = false;  // FailNewM: the next M allocated gets clone_fails
  std::vector<G*> timers;   // sleeping Gs, in the order they went to sleep
  // Virtual clock (timers.cpp): advances with work (kOpWorkUs per op boundary) and, when no
  // M can run, jumps to the next timer (sysmon).
  std::int64_t now_us = 0;
  std::int64_t ops = 0;     // op boundaries so far: the clock of M wake-ups (M::woken_op)
  std::int64_t syscalls = 0;  // entersyscalls so far (M::woken_syscalls)
  P* retake = nullptr;      // a P sysmon is asked to retake from its G in a syscall
  std::int64_t goidgen = 0;
  std::vector<M*> exiting;  // threads that returned; joined by the next baton holder

  // Stable labels (docs/scheduler.md §Labels): Gs spawned per function tag, Ms made per
  // role, completions per op id, and the point the next choice is anchored at.
  std::vector<std::uint32_t> spawned;
  std::array<std::uint32_t, 8> made{};
  std::vector<std::uint32_t> op_done;
  trace::ChoicePoint at;
  std::array<std::uint32_t, trace::kMaxChoiceKinds> nth{};
};

// The one scheduler (runtime_main.cpp). Inline: the switch path asks for it a dozen times.
extern Sched g_sched;
inline Sched& sched() { return g_sched; }

// Ops without a syscall that fit in a thread's wake-up (some 10 us; a go statement, a channel
// or WaitGroup op takes well under 1 us): the wakep choice at Checkpoint (syscall.cpp).
inline constexpr std::int64_t kWakeUpOps = 16;

// An M's id as the trace writes it.
inline trace::MId mid32(const M* m) { return m != nullptr ? static_cast<trace::MId>(m->id) : trace::kNoM; }

// Events --------------------------------------------------------------------------------
// Commits event `e` (with `attached` records, and the kernel read as `observe` says) through
// the run's tracer, stamped with the virtual clock. No allocation: this is the switch path.
void trace_commit(trace::Record owner, std::span<const trace::Record> attached, Observe observe);
// ... a G switch's Execute (Tracer::execute: the switch path, nothing copied but the event).
void trace_execute(const trace::Execute& e);
// ... the runtime's own events: `snapshot` reads every task (Observe::All), else nothing.
template <class E>
void trace(const E& e, bool snapshot = false) {
  trace_commit(trace::encode(e), {}, observe_all_if(snapshot));
}
// Go's throw(): a broken runtime invariant. Reports a full G/M/P dump and ends the run as an
// internal error. Never returns.
[[noreturn]] void throw_(const std::string& what);
nlohmann::json dump_state();

// Status changes (status.cpp): each asserts the current status is `from`, and throws (with
// the state dump) if not — Go's casgstatus. The only writers of G/P/M status. casgstatus is
// inline: it is twice on every G switch, and its check is one compare (the failure is cold).
[[noreturn, gnu::cold]] void bad_gstatus(const G* gp, GStatus from, GStatus to);
inline void casgstatus(G* gp, GStatus from, GStatus to) {
  if (gp->status != from) [[unlikely]]
    bad_gstatus(gp, from, to);
  gp->status = to;
}
void caspstatus(P* pp, PStatus from, PStatus to);
void casmstatus(M* mp, MStatus from, MStatus to);

// GOMAXPROCS bound: findRunnable keeps its candidates on the stack, sized by it.
inline constexpr int kMaxProcs = 64;

// proc.go ---------------------------------------------------------------------------------
// A scheduling choice point: asks the strategy when there is more than one option, and
// records the choice with its options. Options are in Go's order of preference.
std::size_t choose(trace::ChoiceKind kind, std::span<const trace::ChoiceOption> options);
// A choice's options, labelled (event.hpp ChoiceOption): every choice point builds its
// options with these, so a new ChoiceKind gets stable labels and replay tokens for free.
trace::ChoiceOption m_option(trace::ChoiceKind kind, const M* m);
trace::ChoiceOption g_option(trace::ChoiceKind kind, const G* g, trace::GSource source);
trace::ChoiceOption action_option(trace::ChoiceKind kind, std::uint8_t action);
// wakep's race (proc.cpp, syscall.cpp): the action for the M startm woke, `woken`, whose id
// the reports name.
trace::ChoiceOption wakep_option(const M* woken, trace::WakePAction action);
// Gives gp its stable label: function tag and spawn occurrence.
void label_g(G* gp, std::uint32_t fn_tag);
G* newproc(std::function<void()> fn, const std::string& name);
void ready(G* gp);  // goready: runnable, into the current P's runnext, wakep
// injectglist (netpoll's wake-ups): to the global queue with an M started for an idle P, or,
// with none idle, to the tail of the current P's queue.
void injectglist(G* gp);
void wakep();
M* startm(P* pp, bool spinning);
void stopm();
void handoffp(P* pp);
void startlockedm(G* gp);
void stoplockedm();
M* newm(std::function<void()> fn, P* pp, trace::MRole role);
void startTemplateThread();
M* newm_locked(G* gp);  // inherit-spawn: clone the caller's thread for gp, locked
void acquirep(P* pp);
P* releasep();
void pidleput(P* pp);
P* pidleget();
void mput(M* mp);
M* mget();
void runqput(P* pp, G* gp, bool next);
inline void globrunqput(G* gp) { sched().runq.push_back(gp); }
[[noreturn]] void schedule_loop();  // the g0 loop of an M: schedule, execute, repeat
void mstart(M* mp);                 // first code on a new M's thread
[[noreturn]] void mexit(M* mp);
void sysmon();  // mstartfn of the sysmon M

// Timers (timers.cpp) ---------------------------------------------------------------------
// Work happens: an op boundary advances the virtual clock.
void advance_clock_with_work();
// checkTimers: fire every timer that is due now, on the calling M (its P gets the sleepers).
// Inline for its common case, no timers at all: findRunnable calls it on every switch.
void run_due_timers();
inline void checkTimers() {
  if (!sched().timers.empty()) run_due_timers();
}
// sysmon when no M can run: jump the clock to the next timer and fire it. False: no timers.
bool jump_to_next_timer();

// Switching from a G to g0 (Go's mcall): runs fn(gp) on the M's g0, which then schedules.
// A plain function pointer: mcall is on every park and yield, and must not allocate.
void mcall(void (*fn)(G*));
// Parks the current G. `obj` names what it waits on (a channel's or WaitGroup's name) and
// must outlive the park; `tag` is its id in the trace (Park::object), 0 for none.
void gopark(WaitReason reason, const std::string* obj = nullptr, std::uint32_t tag = 0);
// The first and last code on every G's stack: runs fn, then exits the G (goexit1).
void gentry(G* gp, const std::function<void()>& fn);
void goexit0(G* gp);
[[noreturn]] void exit_program(int code);
void gosched_m(G* gp);
// Gosched without g0 when nothing on its way can block (proc.cpp): false, nothing done, when
// gosched_m must run on g0.
bool gosched_direct();
// Tests only: every Gosched through g0 (false in every real run), so that a test can show
// both paths decide the same.
extern bool gosched_direct_off;

}  // namespace nsleak::rt
