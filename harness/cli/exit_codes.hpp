// Exit codes of `nsleak` (ARCHITECTURE.md §CLI).
#pragma once

#include "harness/runner/run_report.hpp"

namespace nsleak::cli {

enum ExitCode : int {
  kOk = 0,           // every run passed
  kExpectation = 1,  // an expectation not met, or the program crashed / hung
  kBadInput = 2,     // bad scenario, policy, strategy or usage
  kEnvironment = 3,  // this machine cannot run namespaces (with the reason and the fix)
  kInternal = 4,     // nsleak itself is wrong (kernel and runtime disagree, runtime throw)
};

inline int exit_code_for(const runner::RunReport& r) {
  if (!r.record.env_error.empty()) return kEnvironment;
  switch (r.judgement.outcome) {
    case verdict::Outcome::Pass: return kOk;
    case verdict::Outcome::Error: return kInternal;
    default: return kExpectation;
  }
}

// The worst of two exit codes: internal > environment > bad input > expectation > ok.
inline int worst(int a, int b) {
  auto rank = [](int c) { return c == kInternal ? 4 : c == kEnvironment ? 3 : c == kBadInput ? 2 : c; };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace nsleak::cli
