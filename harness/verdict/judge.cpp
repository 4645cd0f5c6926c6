// judge: the run's outcome. Faults come first (a broken harness is never a pass); then the
// scenario's expectation for this policy decides: every listed verdict must appear, none of
// the absent ones may.
#include <algorithm>
#include <csignal>
#include <cstring>

#include "harness/runtime/child_exit.hpp"
#include "harness/verdict/verdict.hpp"

namespace nsleak::verdict {

const char* thread_state_name(ThreadState s) {
  switch (s) {
    case ThreadState::Alive: return "alive";
    case ThreadState::Exited: return "exited";
    case ThreadState::Wedged: return "wedged";
  }
  return "?";
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Error: return "error";
    case Outcome::Crash: return "crash";
    case Outcome::Timeout: return "timeout";
    case Outcome::Limit: return "limit";
    case Outcome::SandboxViolation: return "sandbox-violation";
  }
  return "?";
}

namespace {

bool fault_outcome(const sandbox::RunRecord& rec, const Analysis& a, Judgement& j) {
  if (!rec.env_error.empty()) {
    j.outcome = Outcome::Error;
    j.reason = "environment cannot run namespaces: " + rec.env_error;
    return true;
  }
  if (a.internal_error) {
    j.outcome = Outcome::Error;
    j.reason = !a.disagreements.empty()
                   ? "harness bug: kernel and runtime disagree: " + describe(a.disagreements.front())
                   : "harness bug: " + a.fault;
    return true;
  }
  // Before the crash checks: the sandbox stopped the child for a syscall its allowlist
  // forbids (the kernel never ran it); what the program did up to then is kept.
  if (!rec.sandbox_violation.empty() || rec.exit_code == rt::kChildExitSandboxViolation) {
    j.outcome = Outcome::SandboxViolation;
    j.reason = "sandbox violation: the program made the syscall " +
               (rec.sandbox_violation.empty() ? std::string("(unrecorded)") : rec.sandbox_violation) +
               ", which the sandbox's seccomp allowlist forbids (harness/sandbox/syscall_filter.cpp); the "
               "kernel did not run it and the child was stopped. The trace up to that point is kept";
    return true;
  }
  // Before the crash checks: the child stopped at a run limit (goroutines' mappings, threads,
  // stack memory: harness/runtime/run_limits.hpp) before the kernel could refuse it.
  if (!a.limit.empty() || rec.exit_code == rt::kChildExitLimit) {
    j.outcome = Outcome::Limit;
    j.reason = (a.limit.empty() ? std::string("limit hit (unrecorded)") : a.limit) +
               "; the trace up to that point is kept";
    return true;
  }
  // Before the crash checks: the child stopped itself (kChildExitTraceFull) with main still
  // running, which is the limit's doing, not the program's.
  if (rec.trace_overflow || rec.exit_code == rt::kChildExitTraceFull) {
    j.outcome = Outcome::Limit;
    j.reason = "limit hit: the trace buffer is full (" + std::to_string(rec.trace_records) +
               " records); the trace up to that point is kept. Raise it with "
               "--trace-records N (SandboxOptions::trace_records), or run fewer ops (smaller repeat counts)";
    return true;
  }
  if (rec.memory_limit_hit) {
    j.outcome = Outcome::Limit;
    j.reason = "limit hit: the sandbox child's memory (its resident set, the trace pages it wrote included) passed " +
               std::to_string(rec.memory_limit_mb) + " MiB and it was stopped; the trace up to that point is kept. "
               "Raise it with --memory-limit MIB (SandboxOptions::memory_limit_mb), or run fewer ops";
    return true;
  }
  if (rec.timed_out) {
    j.outcome = Outcome::Timeout;
    j.reason = "timed out; the trace up to that point is kept";
    return true;
  }
  // The child ended in time, but decoding or analysing its trace did not, within the run's
  // --timeout plus the grace (kRunGraceS): the whole run is bounded, not only the child.
  if (rec.cut || a.cut) {
    j.outcome = Outcome::Timeout;
    j.reason = "timed out: " + std::string(rec.cut ? "decoding" : "analysing") + " the trace passed --timeout plus " +
               std::to_string(static_cast<int>(sandbox::kRunGraceS)) +
               " s of grace; what was read by then is kept. Raise --timeout, or run fewer ops";
    return true;
  }
  if (rec.term_signal != 0) {
    j.outcome = Outcome::Crash;
    j.reason = std::string("killed by signal ") + std::to_string(rec.term_signal) + " (" +
               ::strsignal(rec.term_signal) + ")";
    return true;
  }
  if (!a.fault.empty() || !a.completed) {
    j.outcome = Outcome::Crash;
    j.reason = a.fault.empty() ? "the program ended without main returning (exit " +
                                     std::to_string(rec.exit_code) + ")"
                               : a.fault;
    return true;
  }
  return false;
}

}  // namespace

Judgement judge(const sandbox::RunRecord& rec, const Analysis& a, const scenario::Scenario& sc,
                const std::string& policy) {
  Judgement j;
  if (auto it = sc.expect.find(policy); it != sc.expect.end()) {
    j.has_expectation = true;
    j.expected = it->second.verdicts;
    j.absent = it->second.absent;
  }
  if (fault_outcome(rec, a, j)) return j;
  for (const auto& name : j.expected)
    if (auto k = verdict_from_name(name); k && !has_verdict(a, *k)) j.missing.push_back(name);
  for (const auto& name : j.absent)
    if (auto k = verdict_from_name(name); k && has_verdict(a, *k)) j.unexpected.push_back(name);
  if (!j.has_expectation) {
    // Nothing declared: every leak is a finding (a learner checking their own program needs the
    // signal); the informational kinds are not.
    std::vector<std::string> leaks;
    for (const auto& v : a.verdicts)
      if (verdict_is_leak(v.kind) && std::find(leaks.begin(), leaks.end(), verdict_name(v.kind)) == leaks.end())
        leaks.emplace_back(verdict_name(v.kind));
    if (leaks.empty()) {
      j.outcome = Outcome::Pass;
      j.reason = "no expectations declared for " + policy;  // and no leak
      return j;
    }
    j.outcome = Outcome::Fail;
    j.unexpected = leaks;
    j.reason = "leaks found:";
    for (const auto& l : leaks) j.reason += " " + l;
    return j;
  }
  if (j.missing.empty() && j.unexpected.empty()) {
    j.outcome = Outcome::Pass;
    j.reason = "every expectation met";
    return j;
  }
  j.outcome = Outcome::Fail;
  std::string r;
  if (!j.missing.empty()) {
    r += "expected but not observed:";
    for (const auto& m : j.missing) r += " " + m;
  }
  if (!j.unexpected.empty()) {
    if (!r.empty()) r += "; ";
    r += "observed but declared absent:";
    for (const auto& u : j.unexpected) r += " " + u;
  }
  j.reason = r;
  return j;
}

}  // namespace nsleak::verdict
