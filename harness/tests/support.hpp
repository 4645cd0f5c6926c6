// Test support: running C++ goroutine programs in a sandbox, querying their typed event
// traces, and skipping loudly when the environment cannot run namespaces.
//
// Catch2 assertions are not thread-safe and the programs run in another process anyway:
// G code records facts into the trace (test::note or the runtime's own events) and the test
// asserts on the returned RunRecord, on the test's own thread.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/os/state_kind.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/sandbox/sandbox.hpp"
#include "harness/trace/event.hpp"

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

// The uid the unprivileged tests drop to as root (SandboxOptions::run_as_uid, the CLI tests'
// child), and why a sandbox made by `uid` maps a single uid and gid ("" for root, or when the
// mapping through newuidmap/newgidmap and the user's /etc/subuid and /etc/subgid ranges works:
// ci/setup provides them for kUnprivilegedUid). Asked of a real sandbox once per uid. Its uid
// and gid runs are then skipped with the reason, counted.
inline constexpr uid_t kUnprivilegedUid = 65534;
std::string unprivileged_single_id_reason(uid_t uid = kUnprivilegedUid);

// The state kinds a test program's snapshots read, by default: the network namespace (what
// the tests assert on; the sandbox's default before the recorder moved to the runner).
inline constexpr unsigned kObserveNet = 1u << os::index(os::StateKind::Net);

struct Program {
  std::string policy = "go1.12";
  int procs = 2;
  int idle_threads = 2;
  std::string strategy = "go-order";
  unsigned observe_mask = kObserveNet;  // bit os::index(kind): the kinds snapshots read
  sandbox::SandboxOptions sandbox;
};

// Runs main_fn as the main goroutine of a fresh runtime in a sandbox child, recorded by the
// runner's StepRecorder.
sandbox::RunRecord run_program(const Program& p, std::function<void()> main_fn);

// Records a fact from G code into the trace, with a snapshot (or the kernel read as `observe`
// says): a trace::Note (the current g, m and tid as the runtime sees them, gettid() as the
// kernel does) whose text is the test's own payload, {"what": what, ...extra}.
void note(const std::string& what, nlohmann::json extra = {}, rt::Observe observe = rt::Observe::All);

// One decoded note: its payload merged with "g", "m", "tid" and "gettid", and its event (for
// seq and the snapshot rows).
struct NoteView {
  nlohmann::json data;
  const trace::Event* ev = nullptr;
  const nlohmann::json& operator[](const char* key) const { return data.at(key); }
  std::int64_t seq() const { return ev->seq; }
};

// Typed queries over a trace: every event of type T, with its decoded event.
template <class T>
using Typed = std::pair<const trace::Event*, const T*>;
template <class T>
std::vector<Typed<T>> events(const sandbox::RunRecord& r) {
  std::vector<Typed<T>> out;
  for (const auto& e : r.events)
    if (const T* x = e.as<T>()) out.emplace_back(&e, x);
  return out;
}
// ... those for which `pred(const T&)` holds.
template <class T, class Pred>
std::vector<Typed<T>> events(const sandbox::RunRecord& r, Pred pred) {
  std::vector<Typed<T>> out;
  for (const auto& e : r.events)
    if (const T* x = e.as<T>(); x != nullptr && pred(*x)) out.emplace_back(&e, x);
  return out;
}

std::vector<NoteView> notes(const sandbox::RunRecord& r, const std::string& what);
bool completed(const sandbox::RunRecord& r);  // main returned (an Exit event, code 0)
std::string fault(const sandbox::RunRecord& r);  // fault message, "" if none

// Task `tid`'s state of `kind` in event `ev`'s snapshot: nullptr when the snapshot has no row
// for it (or did not read that kind).
const trace::StateValue* task_state(const trace::Event& ev, std::int32_t tid, os::StateKind kind);

// Files and text: a file's bytes exactly ("" when it cannot be read), and `s` without
// leading and trailing whitespace (expected-output files end with a newline, messages may not).
std::string read_file(const std::string& path);
std::string trimmed(std::string s);

}  // namespace nsleak::test
