// Verdicts derived from one run's event trace, and the judgement of a run against the
// scenario's expectations.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <span>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/sandbox/sandbox.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/trace/event.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::verdict {

// The thread state a step or a verdict speaks of: one value per observed kind.
struct StateSet {
  std::uint32_t mask = 0;  // bit k: value[k] is known
  std::array<trace::StateValue, trace::kMaxStateKinds> value{};
  bool has(trace::KindIndex k) const { return mask & (1u << k); }
};

// One step of a verdict's provenance: a fact, typed, referring to the event (seq) it comes
// from. Report writers turn steps into sentences; nothing here is prose.
enum class StepKind : std::uint8_t {
  MovedByOp,         // op `op` by g on m moved the thread to `state` (unshare/setns)
  Unexplained,       // m's state changed to `state` during event `seq`, no op explains it
  Cloned,            // newm (role) cloned m from other_m via `via`; it inherited `state`
  Unlocked,          // UnlockOSThread `op` by g returned m to the pool in `state`
  ObservedBy,        // g ran op `op` on the released m in `state`
  LockedExitToPool,  // g exited locked; the runtime returned m to the pool in `state` (#20395)
  ExecForked,        // exec `op` by g forked from m: the child started in `value` (of kind_index)
  SpawnedInherit,    // g was spawned with inherit:true expecting `value` of `kind`
  RanIn,             // op `op` ran on m in `other` of `kind`
  BelievedButRan,    // g believes `value` of `kind` but op `op` ran on m in `other`
  ExpectedButWas,    // g's expect `op` wanted `value` but m is in `other`
  ThreadEnded,       // m exited (mexit) or was killed by strict-unlock (`strict`) in `state`
  Wedged,            // M0 parks forever in `state` after a locked exit or a strict-unlock kill
  MainEnded,         // main returned (`completed`) or the run ended, with M0 in `state`
  PolledToMax,       // until `op` by g on other_m checked m's thread `value.minor` times (its
                     // max; value.major: the tid) and found it there every time
};

struct ProvStep {
  StepKind kind = StepKind::Unexplained;
  std::int64_t seq = -1;          // the event the step refers to
  std::int64_t g = trace::kNoG;   // the goroutine acting
  trace::MId m = trace::kNoM;     // the thread acted on
  std::int32_t tid = 0;
  trace::MId other_m = trace::kNoM;  // Cloned: the thread cloned from
  std::int32_t other_tid = 0;
  std::uint32_t op = 0;           // the op (scenario id), 0 for none
  trace::MRole role = trace::MRole::Startm;  // Cloned
  trace::CloneVia via = trace::CloneVia::Direct;  // Cloned
  trace::KindIndex kind_index = 0;   // the kind a belief or an observation is about
  trace::StateValue value, other;    // see StepKind
  bool strict = false;     // ThreadEnded/Wedged: strict-unlock's doing
  bool completed = false;  // MainEnded: main returned
  StateSet state;          // the thread's state after the step
};

// One goroutine's part in an aggregated verdict: how often it met the verdict, and where and
// why the first time (its own provenance; the verdict's is its first goroutine's).
struct GoroutineShare {
  std::int64_t g = -1;
  int count = 1;
  std::uint32_t op = 0;
  long seq = -1;
  std::vector<ProvStep> provenance;
  std::size_t cause = 0;
};

// One verdict per (kind, thread, namespace): 200 readers meeting one dirty thread are one
// verdict with 200 goroutines, not 200 verdicts. The fields below describe the first
// occurrence, the representative; `goroutines` lists everyone involved.
struct Verdict {
  VerdictKind kind;
  std::int64_t g = -1;   // the (first) goroutine that observed/caused it, -1 if none
  std::int64_t m = -1;
  pid_t tid = 0;
  trace::KindIndex kind_index = 0;  // the state kind it is about
  trace::StateValue value;          // the offending state ("ns" in reports)
  std::uint32_t op = 0;  // the op where it was detected (0: a scheduler event)
  long seq = -1;         // event sequence number where it was detected
  std::vector<ProvStep> provenance;  // made by -> carried by -> observed by, oldest first
  std::size_t cause = 0;  // the step of `provenance` that raised the verdict
  int occurrences = 1;    // times seen, over every goroutine
  std::vector<GoroutineShare> goroutines;  // first seen first; empty when no goroutine is involved
};

enum class ThreadState : std::uint8_t { Alive, Exited, Wedged };
const char* thread_state_name(ThreadState s);  // "alive", "exited", "wedged"

struct ThreadInfo {
  std::int64_t m = -1;
  pid_t tid = 0;
  trace::MRole role = trace::MRole::Startm;
  StateSet state;        // last observed
  ThreadState end = ThreadState::Alive;
  std::int64_t cloned_from = -1;
  trace::CloneVia via = trace::CloneVia::Direct;  // meaningful when cloned_from >= 0
};

// limit: the run hit one of the harness's limits (a full trace buffer) and was stopped; the
// partial trace is kept and the reason names the limit and how to raise it.
// sandbox-violation: the program made a syscall the sandbox's allowlist forbids; the child was
// stopped, the call is named (decoded) and the partial trace kept.
enum class Outcome { Pass, Fail, Error, Crash, Timeout, Limit, SandboxViolation };
const char* outcome_name(Outcome o);

struct Analysis {
  StateSet origin;                     // the sandbox's state at start, per observed kind
  std::vector<Verdict> verdicts;
  std::vector<ThreadInfo> threads;
  std::vector<trace::Disagreement> disagreements;  // kernel vs runtime bookkeeping: harness bugs
  std::string fault;       // the program's crash message or the runtime's throw
  std::string limit;       // a run limit the child reached: which, and how to raise it
  bool internal_error = false;  // a throw or disagreement: nsleak itself is wrong
  bool completed = false;  // main returned
  long steps = 0;          // op steps
  long choices = 0;        // scheduling choice points answered
  bool cut = false;        // stopped at its deadline before the last event
};

// Reads the trace. Pure: only the events (kernel observations plus the runtime's record of
// who ran what) decide; the scenario says what each op id is.
Analysis analyze(std::span<const trace::Event> events, const scenario::Scenario& sc);
// ... stopping at `until` (checked every few thousand events) with `cut` set: what was read by
// then stays; the run's judgement is then a timeout (sandbox.hpp, kRunGraceS).
Analysis analyze(std::span<const trace::Event> events, const scenario::Scenario& sc,
                 std::chrono::steady_clock::time_point until);
// A disagreement in one line, for the judgement's reason.
std::string describe(const trace::Disagreement& d);

struct Judgement {
  Outcome outcome = Outcome::Pass;
  bool has_expectation = false;
  std::vector<std::string> expected, absent;     // what the scenario declared
  std::vector<std::string> missing, unexpected;  // how the run differs
  std::string reason;                            // one line: why this outcome
};

// Judges a run under `policy` against the scenario's expectation for it.
Judgement judge(const sandbox::RunRecord& rec, const Analysis& a, const scenario::Scenario& sc,
                const std::string& policy);

bool has_verdict(const Analysis& a, VerdictKind k);

}  // namespace nsleak::verdict
