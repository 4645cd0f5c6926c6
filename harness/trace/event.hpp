// The typed trace: every fact a run records, as one struct per event.
//
// Three sources write it, all in the sandbox child: the kernel (task snapshot rows, state
// syscalls, clones with their source thread, thread exits, exec'd children — each keyed by
// tid), the runtime (which G runs on which M, lock counts, park/ready, P handoffs, choices
// with their options) and the scenario interpreter (the op, by id, and the goroutine's
// belief). Every struct is trivially copyable and fits one fixed-size binary record
// (record.hpp), so committing an event is a memcpy into shared memory: no JSON, no string,
// no allocation in the child. Names, labels and sentences are not facts: they are resolved
// from ids (op ids, function and object tags) by the report writers, in the parent.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "harness/os/state_value.hpp"

namespace nsleak::trace {

// The identity of one kind of per-thread state (a namespace's (dev, ino) today).
using StateValue = os::StateValue;
// Upper bound on state kinds a record can name (the os layer's state table has fewer).
inline constexpr std::size_t kMaxStateKinds = 16;
using KindIndex = std::uint8_t;  // row of the os state table

// Ids: Gs by goid, Ms by the runtime's id (m0 = 0), tids as the kernel gives them.
using GoId = std::int64_t;
using MId = std::int32_t;
inline constexpr GoId kNoG = -1;
inline constexpr MId kNoM = -1;

enum class MRole : std::uint8_t { M0, Sysmon, Template, Pool, Startm, InheritSpawn };
enum class CloneVia : std::uint8_t { Direct, Template };
enum class GExitFate : std::uint8_t { None, Pool, Wedge, Exit };
enum class WaitReason : std::uint8_t { None, ChanSend, ChanReceive, WaitGroupWait, Sleep };
enum class FaultKind : std::uint8_t { Throw, Fatal, Limit };  // Limit: run_limits.hpp
// A new kind is appended (the trace's binary format keeps the values), named in names.cpp
// (choice_kind_name, and option_action_name if its options are actions) and listed in
// docs/scheduler.md §Choice points. Options are Ms (m_option), Gs (g_option) or actions
// (action_option, harness/runtime/sched.hpp), so they get stable labels without more code.
enum class ChoiceKind : std::uint8_t {
  RunM,     // which ready M (OS thread) advances next
  PickG,    // which runnable G an M with a P takes (runnext, local, global, steal)
  Preempt,  // at an op boundary: continue, let another M run, or preempt the G
  // Added after proc.go's own decisions (docs/scheduler.md names the function of each):
  Startm,     // startm -> mget: which idle M is woken (Go: the head of sched.midle)
  StealWork,  // findRunnable -> stealWork: which victim P a spinning M steals from
  Gosched,    // goschedImpl: who takes the G off the global queue, this M or a spinning one
  WakeP,      // an M woken by wakep/startm runs beside its waker, or only once the waker blocks
  Retake,     // sysmon -> retake: take the P of a G in a syscall (handoffp on sysmon's M)
  RunTimer,   // checkTimers -> runtimer: which of the timers due at one instant fires first
};
inline constexpr std::size_t kMaxChoiceKinds = 16;
// Where a candidate G of a PickG choice comes from, in Go's order of preference.
enum class GSource : std::uint8_t { Runnext, Local, Global, Steal, StealRunnext };
// The options of a Preempt choice.
enum class PreemptAction : std::uint8_t { Continue, Yield, Preempt };
// Who takes a yielded G off the global queue (Gosched): this M (an action), or another M (an M
// option; the action Other when that M is yet to be started).
enum class GoschedTaker : std::uint8_t { Self, Other };
// WakeP: the woken M (the option's id) runs now, or waits until the waker blocks.
enum class WakePAction : std::uint8_t { Run, Wait };
// Retake: sysmon leaves the P (the option's id) of a G in a syscall alone, or retakes it.
enum class RetakeAction : std::uint8_t { Keep, Retake };
enum class DisagreementKind : std::uint8_t {
  TaskWithoutM,   // the kernel shows a task the runtime has no M for
  MWithoutTask,   // an M the runtime thinks is alive has no task
  StateMismatch,  // a task's state differs from the runtime's bookkeeping of its M
};

// What a choice's option is: a thread, a goroutine (with where it was found) or an action.
enum class OptionSubject : std::uint8_t { Action, M, G };
// One option of a scheduling choice: an M (RunM, Startm, Gosched's other M), a G and where it
// comes from (PickG, StealWork, RunTimer), or an action (Preempt, Gosched's self, WakeP,
// Retake: `detail`, named by option_action_name). `label`/`occ` are its stable label (docs/scheduler.md §Labels):
// for a G, the tag of its function (0: main) and its spawn occurrence among Gs of that
// function (1 = the first); for an M, its MRole and its creation order within the role.
// Never an id alone: goids, M ids and tids shift when an unrelated op is added.
struct ChoiceOption {
  ChoiceKind kind = ChoiceKind::RunM;
  std::uint8_t detail = 0;  // GSource (a G) or the action (PreemptAction for Preempt)
  std::int64_t id = -1;     // MId or GoId, for the reports; not part of the label
  OptionSubject subject = OptionSubject::Action;
  std::uint32_t label = 0;  // function tag (G) or MRole (M)
  std::uint32_t occ = 0;    // spawn occurrence (G) or creation order in the role (M), from 1
};

// Where a choice is asked, stably: after the `occ`-th completion (from 1) of scenario op `op`
// anywhere in the program (op 0: before any op completed), the `nth` choice of its kind
// since then (from 1). With the kind, this is the point's label (`pick-g@main#3~2+1`).
struct ChoicePoint {
  std::uint32_t op = 0;
  std::uint32_t occ = 0;
  std::uint32_t nth = 0;  // 32 bits: a random or PCT schedule may make 100,000s of choices between two ops
  bool operator==(const ChoicePoint&) const = default;
};

// --- Sandbox -------------------------------------------------------------------------------
struct SandboxReady {
  std::int32_t pid = 0;
  std::uint32_t uid = 0;
  bool userns = false;
};
struct EnvError {};  // text: the reason
// A syscall the sandbox's allowlist forbids (sandbox/violation.hpp): the child was stopped.
struct SandboxViolation {
  static constexpr int kArgs = 6;
  std::int32_t nr = -1;     // the syscall number on `arch`
  std::uint32_t arch = 0;   // AUDIT_ARCH_*
  std::int32_t tid = 0;     // the thread that made it
  std::uint64_t args[kArgs]{};
};

// --- Kernel facts ----------------------------------------------------------------------------
// One row of a snapshot: task `tid` (the runtime's M `m`, or kNoM) is in `value` for `kind`.
// Attached to the event that follows it.
struct TaskState {
  std::int32_t tid = 0;
  MId m = kNoM;
  KindIndex kind = 0;
  StateValue value;
};
// The kernel and the runtime's bookkeeping differ: a harness bug.
struct Disagreement {
  DisagreementKind what = DisagreementKind::StateMismatch;
  std::int32_t tid = 0;
  MId m = kNoM;
  KindIndex kind = 0;
  StateValue seen, believed;
};

// --- Runtime annotations ---------------------------------------------------------------------
struct Start {
  std::int32_t procs = 0;
  std::int32_t tid = 0;  // M0's
};
struct NewProc {
  GoId g = kNoG, parent = kNoG;
  MId m = kNoM;
  std::uint32_t fn = 0;  // the creator's tag for the G's function (the interpreter's function id)
};
struct Execute {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t tid = 0;
};
struct Ready {
  GoId g = kNoG;
  MId by = kNoM;
};
struct Park {
  GoId g = kNoG;
  MId m = kNoM;
  WaitReason reason = WaitReason::ChanReceive;
  std::uint32_t object = 0;  // the creator's tag for the channel or WaitGroup, 0 if none
};
struct HandoffP {
  std::int32_t p = -1;
  MId m = kNoM;
};
struct StartM {
  MId m = kNoM;
  std::int32_t p = -1;
  MId by = kNoM;
};
struct StopLockedM {
  MId m = kNoM;
  GoId g = kNoG;
};
struct StartLockedM {
  GoId g = kNoG;
  MId m = kNoM, by = kNoM;
  std::int32_t p = -1;
};
// A new thread: a kernel clone of thread `from_tid` (the runtime's M `from_m`).
struct NewM {
  MId m = kNoM;
  std::int32_t tid = 0;
  MId from_m = kNoM;
  std::int32_t from_tid = 0;
  MRole role = MRole::Startm;
  CloneVia via = CloneVia::Direct;
};
struct NewmHandoff {
  MId m = kNoM, by = kNoM, templ = kNoM;
};
struct MStart {
  MId m = kNoM;
  std::int32_t tid = 0;
  MRole role = MRole::Startm;
};
struct Wedge {
  MId m = kNoM;
  std::int32_t tid = 0;
};
// The thread of M `m` exits (a kernel fact: the task disappears).
struct MExit {
  MId m = kNoM;
  std::int32_t tid = 0;
};
struct GExit {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t tid = 0;
  bool locked = false;
  GExitFate fate = GExitFate::None;
};
struct EnterSyscall {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t p = -1;
};
struct ExitSyscall {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t p = -1;  // -1: no P was free
};
struct Timers {
  std::int64_t now_ms = 0;
  std::int32_t woken = 0;
};
struct StrictUnlockKill {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t tid = 0;
};
struct UnlockSkipped {
  GoId g = kNoG;
  MId m = kNoM;
};
// A scheduling choice with more than one option; the options are attached.
struct Choice {
  ChoiceKind kind = ChoiceKind::RunM;
  std::uint16_t noptions = 0;
  std::uint16_t chosen = 0;
  ChoicePoint at;
  MId by = kNoM;  // the M asking (the baton holder)
};
struct Exit {
  std::int32_t code = 0;
  MId m = kNoM;
};
struct Fault {
  FaultKind kind = FaultKind::Fatal;
};  // text: the message; detail: the runtime's state dump

// --- Scenario annotations --------------------------------------------------------------------
// The result of an op, beyond where it ran.
enum class OpResult : std::uint8_t { Ok, Injected };
struct Op {
  std::uint32_t op = 0;  // the op's id in its scenario (scenario::Op::id)
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t tid = 0;
  std::uint32_t lockedExt = 0;
  bool locked = false;    // the G is locked to its M after the op
  bool wired = false;     // lock/unlock: still wired after the op
  bool released = false;  // unlock: the thread became free for other goroutines
  bool inherit = false;   // the G was spawned with inherit: true
  bool match = true;      // expect: the kernel agrees with the expectation
  bool ok = true;         // recv: false when the channel was closed; until: the watched thread is gone
  bool observe = false;   // the op observes state (get, expect, exec, syscall)
  bool all_threads = false;  // setuid/setgid through AllThreadsSyscall: every thread now has
                             // `value`, which is the program's new origin for `kind`
  OpResult result = OpResult::Ok;
  KindIndex kind = 0;    // the state kind the op names (beside the flags: the record is full)
  std::int32_t err = 0;  // injected errno
  std::int32_t fd = -1;  // setns: the namespace fd it was given
  GoId child = kNoG;     // go: the new G; until: the M whose thread its cond watches
  MId resumed_m = kNoM;  // syscall: where the G resumed (m/tid: the M that made the call)
  StateValue value;     // get/unshare/setns: the state named; exec: the child's; expect: expected;
                        // until: {major: the watched tid, minor: the pass just checked, from 1}
  StateValue observed;  // expect: what the kernel showed
};
// Attached to an Op: for one observed kind, the thread's state when the op ran (`now`; for a
// syscall op, on the thread that made the call; for exec, what the child it forked reported)
// and the G's belief.
struct OpState {
  KindIndex kind = 0;
  StateValue now, belief;
};
// A fact recorded by a test's own goroutine code. text: test-defined payload.
struct Note {
  GoId g = kNoG;
  MId m = kNoM;
  std::int32_t tid = 0;
  std::int32_t gettid = 0;  // what the kernel says the calling thread is
};

// Attachments whose owner record was never written: the child died in the middle of an event.
struct Orphans {};

// The variant's index is the record's kind: append only, never reorder (a trace is decoded by
// the same build that wrote it, but the order is also the binary format's).
using Body = std::variant<SandboxReady, EnvError, TaskState, Disagreement, Start, NewProc, Execute,
                          Ready, Park, HandoffP, StartM, StopLockedM, StartLockedM, NewM,
                          NewmHandoff, MStart, Wedge, MExit, GExit, EnterSyscall, ExitSyscall,
                          Timers, StrictUnlockKill, UnlockSkipped, Choice, Exit, Fault, Op,
                          OpState, Note, ChoiceOption, Orphans, SandboxViolation>;

// One row of a decoded snapshot: a task and its state for every observed kind.
struct TaskRow {
  std::int32_t tid = 0;
  MId m = kNoM;
  std::uint32_t mask = 0;  // bit k: state[k] was read
  std::array<StateValue, kMaxStateKinds> state{};
  bool has(KindIndex k) const { return mask & (1u << k); }
};

// A decoded event: the record, with what was attached to it.
struct Event {
  std::int64_t seq = -1;  // position among the run's events (attachments have none)
  std::int64_t us = 0;    // microseconds since the sandbox started
  std::int64_t t = 0;     // the runtime's virtual clock, ms
  // us was not read for this event: an Execute packed in a switch run after its first
  // (switch_run.hpp) carries the run's stamp; it happened at or after us, before the next event.
  bool run_stamp = false;
  Body body;
  bool snapshot = false;           // a kernel snapshot was taken for this event
  std::vector<TaskRow> tasks;      // ... its rows, sorted by tid
  std::vector<OpState> states;     // Op: per observed kind
  std::vector<ChoiceOption> options;  // Choice
  std::string text, detail;        // EnvError/Fault/Note: message; Fault: state dump

  template <class T>
  const T* as() const { return std::get_if<T>(&body); }
  template <class T>
  bool is() const { return std::holds_alternative<T>(body); }
  // This event's snapshot row for `tid`, or nullptr.
  const TaskRow* task(std::int32_t tid) const;
};

}  // namespace nsleak::trace
