// Verdicts derived from one run's event trace, and the judgement of a run against the
// scenario's expectations.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/verdict/verdict_kind.hpp"

namespace nsleak::verdict {

// One "dev:ino" (StateValue::str) per state kind, indexed by os::index(kind); "" where the
// run did not observe that kind.
using KindValues = std::array<std::string, os::kStateKinds>;
// The kind that `ns`/`origin` fields name: the network namespace, which exec probes report.
inline constexpr os::StateKind kPrimaryKind = os::StateKind::Net;
inline const std::string& primary(const KindValues& v) { return v[os::index(kPrimaryKind)]; }

struct Verdict {
  VerdictKind kind;
  std::int64_t g = -1;   // the goroutine that observed/caused it, -1 if none
  std::int64_t m = -1;
  pid_t tid = 0;
  std::string ns;        // the offending namespace, "dev:ino"
  std::string op;        // label of the op where it was detected ("" for scheduler events)
  long seq = -1;         // event sequence number where it was detected
  std::string summary;   // one sentence
  std::vector<std::string> provenance;  // made by -> carried by -> observed by
  int occurrences = 1;   // same verdict, same G/M, seen again later
};

struct ThreadInfo {
  std::int64_t m = -1;
  pid_t tid = 0;
  std::string role;      // m0, sysmon, template, pool, startm, inherit-spawn
  KindValues values;     // last observed value of each kind
  std::string state;     // alive | exited | wedged
  std::int64_t cloned_from = -1;
  std::string via;       // direct | template
};

enum class Outcome { Pass, Fail, Error, Crash, Timeout };
const char* outcome_name(Outcome o);

struct Analysis {
  KindValues origins;                  // each kind's value in the sandbox at start
  std::vector<Verdict> verdicts;
  std::vector<ThreadInfo> threads;
  std::vector<std::string> disagreements;  // kernel vs runtime bookkeeping: harness bugs
  std::string fault;       // the program's crash message or the runtime's throw
  bool internal_error = false;  // a throw or disagreement: nsleak itself is wrong
  bool completed = false;  // main returned
  long steps = 0;          // op steps
  long choices = 0;        // scheduling choice points answered
};

// Reads the trace. Pure: only the events (kernel observations plus the runtime's record of
// who ran what) decide.
Analysis analyze(const sandbox::RunRecord& rec);

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
