// Test support: running C++ goroutine programs in a sandbox, querying their event traces,
// and skipping loudly when the environment cannot run namespaces.
//
// Catch2 assertions are not thread-safe and the programs run in another process anyway:
// G code records facts into the trace (rt::trace or the ops' own events) and the test
// asserts on the returned RunRecord, on the test's own thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runtime/runtime.hpp"
#include "harness/sandbox/sandbox.hpp"

namespace nsleak::test {

// Skips the current test (loudly, counted) when sandboxes cannot be created here.
// Usage: NSLEAK_REQUIRE_NAMESPACES(); at the top of a TEST_CASE.
std::string namespace_unavailable_reason();  // cached probe; empty if namespaces work
int skipped_count();
void count_skip();
#define NSLEAK_REQUIRE_NAMESPACES()                                                        \
  do {                                                                                     \
    const std::string nsleak_reason_ = ::nsleak::test::namespace_unavailable_reason();     \
    if (!nsleak_reason_.empty()) {                                                         \
      WARN("SKIPPED: this environment cannot run namespaces: " << nsleak_reason_           \
           << " (see README: enabling user namespaces)");                                  \
      ::nsleak::test::count_skip();                                                        \
      return;                                                                              \
    }                                                                                      \
  } while (0)

struct Program {
  std::string policy = "go1.12";
  int procs = 2;
  int idle_threads = 2;
  std::string strategy = "go-order";
  sandbox::SandboxOptions sandbox;
};

// Runs main_fn as the main goroutine of a fresh runtime in a sandbox child.
sandbox::RunRecord run_program(const Program& p, std::function<void()> main_fn);

// Records a fact from G code into the trace, with a snapshot: {"ev":"note","what":what,...}
// plus the current g, m and tid as the runtime sees them and gettid() as the kernel does.
void note(const std::string& what, nlohmann::json extra = {});

// Queries over a trace.
std::vector<nlohmann::json> events(const sandbox::RunRecord& r, const std::string& kind);
std::vector<nlohmann::json> notes(const sandbox::RunRecord& r, const std::string& what);
bool completed(const sandbox::RunRecord& r);  // main returned (an "exit" event, code 0)
std::string fault(const sandbox::RunRecord& r);  // fault message, "" if none

}  // namespace nsleak::test
