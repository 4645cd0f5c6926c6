// Tests of the sandbox (harness/sandbox): runs happen in a forked child and leave the harness
// process untouched whatever the child does (complete, crash, hang); the unprivileged path
// through a user namespace works for real; crashes and hangs are reported with the events
// streamed before them; and fault injection is carried out by the kernel (seccomp).
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/os/fault_injection.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/os/task_observer.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/sandbox/subordinate_ids.hpp"
#include "harness/tests/support.hpp"

using namespace nsleak;
using nlohmann::json;

namespace {

using os::StateKind;

// What a run may change in the process that starts it: none of it, ever.
struct ProcessState {
  std::uint64_t net_ino = 0, uts_ino = 0;
  int threads = 0, fds = 0, children = 0, mappings = 0;

  bool operator==(const ProcessState&) const = default;
};

std::uint64_t inode(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

int count_entries(const char* dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir)) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

// Children of this process that still exist (zombies included): /proc/<pid>/task/*/children.
int count_children() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/children");
      std::string pid;
      while (in >> pid) ++n;
    }
    ::closedir(d);
  }
  return n;
}

ProcessState process_state() {
  ProcessState s;
  s.net_ino = inode("/proc/self/ns/net");
  s.uts_ino = inode("/proc/self/ns/uts");
  s.threads = count_entries("/proc/self/task");
  s.fds = count_entries("/proc/self/fd");
  s.children = count_children();
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) ++s.mappings;
  return s;
}

std::string describe(const ProcessState& s) {
  return "net " + std::to_string(s.net_ino) + ", uts " + std::to_string(s.uts_ino) + ", " +
         std::to_string(s.threads) + " threads, " + std::to_string(s.fds) + " fds, " +
         std::to_string(s.children) + " children, " + std::to_string(s.mappings) + " mappings";
}

// G code: crash the sandbox child with SIGSEGV. The child is a fork of this test process,
// whose Catch2 crash handler must not run in it: the sandbox resets every disposition (see the
// signal-disposition test below), so this is the kernel's default action. The store through
// null is undefined behaviour, which UBSan's null check (ci/sanitize) reports and exits on before
// the CPU can fault: the check is off here, where the fault is the point. noinline: GCC 12
// inlines the function into its sanitized callers, check included.
[[noreturn]] __attribute__((noinline, no_sanitize("null"))) void segfault() {
  volatile int* volatile p = nullptr;
  *p = 1;
  std::abort();
}

// G code: block the whole runtime in the kernel (the M holding the baton never returns).
[[noreturn]] void hang() {
  for (;;) ::pause();
}

std::string seccomp_mode() {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Seccomp:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 8));
  return "?";
}

// A program that exercises namespaces on locked and unlocked Ms, plus the kernel-side fault
// injection; records what it saw in notes. Used as root and through a user namespace.
void namespace_program() {
  rt::LockOSThread();
  os::NsHandle origin;
  if (auto r = os::open_current(StateKind::Net, origin); !r.ok()) rt::fatal("test: " + r.message());
  if (auto r = os::unshare_state(StateKind::Net); !r.ok()) rt::fatal("test: " + r.message());
  const os::StateValue fresh = os::current_value(StateKind::Net);
  rt::NoteThreadNs(StateKind::Net, fresh);
  test::note("unshared", {{"origin", origin.id.str()}, {"net", fresh.str()},
                          {"seccomp", seccomp_mode()}});

  // Injected failure: the real setns, answered by the seccomp filter.
  const os::SysResult denied = os::set_ns(origin, EPERM);
  // Faults once used fds 900+ as markers; now nothing is left open there (nor anywhere).
  const bool marker_closed = ::fcntl(900 + static_cast<int>(*os::fault_index(EPERM)), F_GETFD) < 0;
  test::note("setns-eperm", {{"err", denied.err}, {"call", denied.call},
                             {"net", os::current_value(StateKind::Net).str()},
                             {"marker_closed", marker_closed}});
  const os::SysResult denied_unshare = os::unshare_state(StateKind::Net, EINVAL);
  test::note("unshare-einval", {{"err", denied_unshare.err},
                                {"net", os::current_value(StateKind::Net).str()}});
  // A normal setns still works.
  const os::SysResult back = os::set_ns(origin);
  if (back.ok()) rt::NoteThreadNs(StateKind::Net, origin.id);
  test::note("setns-ok", {{"err", back.err}, {"net", os::current_value(StateKind::Net).str()}});

  rt::Chan c("c");
  rt::Go([&] {
    test::note("child", {{"net", os::current_value(StateKind::Net).str()}});
    c.send();
  }, "child");
  c.recv();
  rt::UnlockOSThread();
}

void check_namespace_program(const sandbox::RunRecord& r) {
  REQUIRE(r.env_error.empty());
  CHECK(test::events<trace::Disagreement>(r).empty());
  REQUIRE(test::completed(r));
  const auto unshared = test::notes(r, "unshared");
  REQUIRE(unshared.size() == 1);
  const test::NoteView u = unshared[0];
  CHECK(u["net"] != u["origin"]);
  CHECK(u["seccomp"] == "2");  // a filter is installed: the errno comes from the kernel

  const auto eperm = test::notes(r, "setns-eperm");
  REQUIRE(eperm.size() == 1);
  CHECK(eperm[0]["err"] == EPERM);
  CHECK(eperm[0]["net"] == u["net"]);  // unchanged: the setns really did not happen
  CHECK(eperm[0]["marker_closed"] == true);
  CHECK(eperm[0]["call"].get<std::string>().find("setns(") == 0);

  const auto einval = test::notes(r, "unshare-einval");
  REQUIRE(einval.size() == 1);
  CHECK(einval[0]["err"] == EINVAL);
  CHECK(einval[0]["net"] == u["net"]);

  const auto ok = test::notes(r, "setns-ok");
  REQUIRE(ok.size() == 1);
  CHECK(ok[0]["err"] == 0);
  CHECK(ok[0]["net"] == u["origin"]);

  // Invariant 4 holds here too: the child ran elsewhere, in origin.
  const auto child = test::notes(r, "child");
  REQUIRE(child.size() == 1);
  CHECK(child[0]["m"] != u["m"]);
  CHECK(child[0]["net"] == u["origin"]);
}

// Every state kind of the table, on one locked M: the value it starts in, an injected unshare
// failure (the marker must not be mistaken for a kind's flag: CLONE_NEWTIME is 0x80), a real
// unshare, and the way back. The recorder cross-checks every kind at every note.
void every_kind_program() {
  rt::LockOSThread();
  for (const auto& row : os::state_kinds()) {
    if (!os::is_namespace(row.kind) || !os::unavailable_reason(row.kind).empty()) continue;
    os::NsHandle start;
    if (auto r = os::open_current(row.kind, start); !r.ok()) rt::fatal("test: " + r.message());
    const os::SysResult denied = os::unshare_state(row.kind, EINVAL);
    const os::StateValue after_denied = os::current_value(row.kind);
    const os::SysResult fresh = os::unshare_state(row.kind);
    const os::StateValue now = os::current_value(row.kind);
    if (fresh.ok()) rt::NoteThreadUnshared(row.kind, now);
    if (fresh.ok() && os::unshare_implies(row.kind, StateKind::Fs))
      rt::NoteThreadUnshared(StateKind::Fs, os::current_value(StateKind::Fs));
    const os::SysResult back = os::set_ns(start);
    if (back.ok()) rt::NoteThreadNs(row.kind, start.id);
    // setns(CLONE_NEWNS) moves the cwd to the namespace's root (setns(2)).
    if (back.ok() && os::unshare_implies(row.kind, StateKind::Fs))
      rt::NoteThreadNs(StateKind::Fs, os::current_value(StateKind::Fs));
    test::note("kind", {{"kind", row.name}, {"start", start.id.str()}, {"denied_err", denied.err},
                        {"after_denied", after_denied.str()}, {"unshare_err", fresh.err},
                        {"unshared", now.str()}, {"back_err", back.err},
                        {"back", os::current_value(row.kind).str()}});
  }
  rt::UnlockOSThread();
}

void check_every_kind(const sandbox::RunRecord& r) {
  INFO("env error: " << r.env_error << " fault: " << test::fault(r));
  REQUIRE(r.env_error.empty());
  REQUIRE(test::completed(r));
  CHECK(test::events<trace::Disagreement>(r).empty());
  std::size_t available = 0;
  for (const auto& row : os::state_kinds()) {
    if (!os::is_namespace(row.kind) || !os::unavailable_reason(row.kind).empty()) continue;
    ++available;
    std::vector<test::NoteView> n;
    for (const auto& v : test::notes(r, "kind"))
      if (v["kind"] == row.name) n.push_back(v);
    INFO(row.name);
    REQUIRE(n.size() == 1);
    // The sandbox gave the run a private one: not the harness process's.
    CHECK(n[0]["start"] != os::current_value(row.kind).str());
    CHECK(n[0]["denied_err"] == EINVAL);
    CHECK(n[0]["after_denied"] == n[0]["start"]);
    CHECK(n[0]["unshare_err"] == 0);
    CHECK(n[0]["unshared"] != n[0]["start"]);
    if (row.kind == StateKind::Time) {
      // time_namespaces(7): setns needs a single-threaded caller; the runtime never is one.
      CHECK(n[0]["back_err"] == EUSERS);
      CHECK(n[0]["back"] == n[0]["unshared"]);
    } else {
      CHECK(n[0]["back_err"] == 0);
      CHECK(n[0]["back"] == n[0]["start"]);
    }
  }
  CHECK(available >= 5);  // net, uts, ipc, mnt, cgroup: every kernel nsleak supports
}

constexpr unsigned kObserveAll = (1u << os::kStateKinds) - 1;

}  // namespace

TEST_CASE("Every state kind starts private, unshares, injects and goes back, as root and unprivileged",
          "[sandbox][state-kinds]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  p.observe_mask = kObserveAll;
  for (const auto& row : os::state_kinds())
    if (!os::unavailable_reason(row.kind).empty()) p.observe_mask &= ~(1u << os::index(row.kind));
  check_every_kind(test::run_program(p, every_kind_program));
  test::Program forced = p;
  forced.sandbox.force_userns = true;
  check_every_kind(test::run_program(forced, every_kind_program));
  if (::geteuid() != 0) {
    WARN("SKIPPED part: run_as_uid needs root to drop privileges (this run was unprivileged already)");
    return;
  }
  test::Program dropped = p;
  dropped.sandbox.run_as_uid = 65534;
  const auto r = test::run_program(dropped, every_kind_program);
  CHECK(r.userns);
  check_every_kind(r);
}

namespace {

// Each namespace kind's value as the observer reads it (its own-thread read and its snapshot's
// row, both from the /proc link's text) and as stat through the same link gives it: "" when
// they agree everywhere, else what differed.
std::string link_text_vs_stat() {
  std::string diff;
  os::TaskObserver observer(~0u);
  const auto snapshot = observer.snapshot();
  for (const auto& k : os::state_kinds()) {
    if (!os::is_namespace(k.kind)) continue;
    char path[64];
    os::own_entry_path(path, sizeof path, k.task_entry);
    struct stat st {};
    const os::StateValue by_stat = ::stat(path, &st) == 0 ? os::identity(st) : os::StateValue{};
    if (!by_stat.valid()) diff += std::string(k.name) + ": stat failed; ";
    if (os::current_value(k.kind) != by_stat) diff += std::string(k.name) + ": own read " + os::current_value(k.kind).str() + " vs stat " + by_stat.str() + "; ";
    for (const auto& t : snapshot) {
      const std::string task_path = "/proc/" + std::to_string(t.tid) + "/" + k.task_entry;
      struct stat tst {};
      if (::stat(task_path.c_str(), &tst) != 0) continue;  // a task that just exited
      if (t.state[os::index(k.kind)] != os::identity(tst))
        diff += std::string(k.name) + ": task " + std::to_string(t.tid) + " " + t.state[os::index(k.kind)].str() + " vs stat; ";
    }
  }
  return diff;
}

}  // namespace

TEST_CASE("A namespace's identity read from its link's text is what stat through the link gives", "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  CHECK(link_text_vs_stat() == "");  // this process's own namespaces: reading changes nothing
  // ...and in a sandbox child whose main thread is in fresh namespaces of every kind, beside
  // threads still in the sandbox's.
  auto r = test::run_program(test::Program{}, [] {
    const int e = ::unshare(os::all_namespace_flags()) == 0 ? 0 : errno;
    test::note("compared", {{"unshare", e}, {"diff", link_text_vs_stat()}});
  });
  REQUIRE(test::completed(r));
  const auto n = test::notes(r, "compared");
  REQUIRE(n.size() == 1);
  CHECK(n.front()["unshare"] == 0);
  CHECK(n.front()["diff"] == "");
}

TEST_CASE("CLONE_FS sharing: a chdir in a thread cloned from one that unshared CLONE_FS moves both",
          "[sandbox][state-kinds][fs]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // go1.9 clones the new M straight from the locked main thread (no template thread); no idle
  // Ms, so the child's M is that clone. sysmon was cloned before the unshare: it keeps the
  // process's cwd, which shows the sharing is the clone's, not the whole process's.
  const auto program = [] {
    rt::LockOSThread();
    const os::StateValue before = os::current_value(StateKind::Fs);
    if (auto r = os::unshare_state(StateKind::Fs); !r.ok()) rt::fatal("test: " + r.message());
    rt::NoteThreadUnshared(StateKind::Fs, os::current_value(StateKind::Fs));
    rt::Chan c("c");
    rt::Go([&] {
      if (::chdir("/tmp") != 0) rt::fatal("test: chdir(/tmp) failed");
      rt::NoteThreadNs(StateKind::Fs, os::current_value(StateKind::Fs));
      test::note("chdir", {{"cwd", os::current_value(StateKind::Fs).str()}});
      c.send();
    }, "child");
    c.recv();
    test::note("main", {{"cwd", os::current_value(StateKind::Fs).str()}, {"before", before.str()}});
    rt::UnlockOSThread();
  };
  for (const bool userns : {false, true}) {
    INFO("user namespace: " << userns);
    test::Program p;
    p.policy = "go1.9";
    p.idle_threads = 0;
    p.observe_mask = 1u << os::index(StateKind::Fs);
    p.sandbox.force_userns = userns;
    const auto r = test::run_program(p, program);
    INFO("env error: " << r.env_error << " fault: " << test::fault(r));
    REQUIRE(test::completed(r));
    // The bookkeeping (share ids, one chdir moving the group) agreed with the kernel at every
    // snapshot: the recorder cross-checks fs on every task.
    CHECK(test::events<trace::Disagreement>(r).empty());
    const auto child = test::notes(r, "chdir");
    const auto main = test::notes(r, "main");
    REQUIRE(child.size() == 1);
    REQUIRE(main.size() == 1);
    const std::string tmp = child[0]["cwd"];
    CHECK(tmp != main[0]["before"].get<std::string>());
    CHECK(main[0]["cwd"] == tmp);  // main's thread moved with its clone
    // The child's M was cloned from main's thread, after the unshare.
    const auto clones = test::events<trace::NewM>(r, [&](const trace::NewM& n) { return n.tid == child[0]["tid"]; });
    REQUIRE(clones.size() == 1);
    CHECK(clones[0].second->from_tid == main[0]["tid"]);
    // The kernel, at the chdir's snapshot: both threads in /tmp, every other one where it was.
    const trace::Event& at = *child[0].ev;
    int others = 0;
    for (pid_t tid : {static_cast<pid_t>(child[0]["tid"]), static_cast<pid_t>(main[0]["tid"])}) {
      const trace::StateValue* v = test::task_state(at, tid, StateKind::Fs);
      REQUIRE(v != nullptr);
      CHECK(v->str() == tmp);
    }
    // Any other thread in /tmp was cloned from one that is: sharing follows clones only.
    const auto fs = static_cast<trace::KindIndex>(os::index(StateKind::Fs));
    for (const auto& row : at.tasks) {
      if (row.tid == child[0]["tid"] || row.tid == main[0]["tid"] || !row.has(fs)) continue;
      if (row.state[fs].str() != tmp) {
        ++others;
        CHECK(row.state[fs].str() == main[0]["before"].get<std::string>());
        continue;
      }
      const auto made = test::events<trace::NewM>(r, [&](const trace::NewM& n) { return n.tid == row.tid; });
      REQUIRE(made.size() == 1);
      const trace::StateValue* from = test::task_state(at, made[0].second->from_tid, StateKind::Fs);
      CHECK((from == nullptr || from->str() == tmp));
    }
    CHECK(others >= 1);  // Ms cloned before the unshare keep the process's cwd
  }
}

TEST_CASE("probe_environment finds nothing missing here", "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();  // where namespaces cannot work, the probe's reason is the skip
  CHECK(sandbox::probe_environment() == "");
  sandbox::SandboxOptions forced;
  forced.force_userns = true;
  CHECK(sandbox::probe_environment(forced) == "");
}

// A first run grows the harness process once, and for good: the allocator's regions for the
// trace's decoding, and under TSan the shadow and metadata for them, are new mappings that stay
// (308 -> 320 with the test alone under TSan). A leak grows with every run, so the state is
// taken after one run and must then hold over the runs measured.
namespace {
ProcessState state_after_a_first_run(const test::Program& p) {
  (void)test::run_program(p, namespace_program);
  return process_state();
}
}  // namespace

TEST_CASE("The harness process is unchanged after runs that complete, crash and time out",
          "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const ProcessState before = state_after_a_first_run(test::Program{});
  int completed = 0, crashed = 0, timed_out = 0, deadlocked = 0;
  for (int i = 0; i < 20; ++i) {
    test::Program p;
    // Only the hanging run is meant to reach its timeout; the others get time to finish even
    // as a TSan build on a loaded machine (0.3 s each cut 3 of 14 short at load 15).
    p.sandbox.timeout_s = i % 10 == 6 ? 0.3 : 30;
    sandbox::RunRecord r;
    switch (i % 10) {
      case 3:
        r = test::run_program(p, [] {
          rt::Go([] { segfault(); }, "crasher");
          rt::Sleep(5);
        });
        crashed += r.term_signal == SIGSEGV;
        break;
      case 6:
        r = test::run_program(p, [] { hang(); });
        timed_out += r.timed_out;
        break;
      case 8:
        r = test::run_program(p, [] {
          rt::Chan c("never");
          c.recv();
        });
        deadlocked += test::fault(r) == "all goroutines are asleep - deadlock!";
        break;
      default:
        r = test::run_program(p, namespace_program);
        completed += test::completed(r);
    }
  }
  CHECK(completed == 14);
  CHECK(crashed == 2);
  CHECK(timed_out == 2);
  CHECK(deadlocked == 2);
  const ProcessState after = process_state();
  INFO("before: " << describe(before) << "\nafter:  " << describe(after));
  CHECK(after == before);
  CHECK(after.children == 0);
}

TEST_CASE("Namespaces and fault injection work, as root or through a user namespace", "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  auto r = test::run_program(test::Program{}, namespace_program);
  // As root the sandbox needs no user namespace; unprivileged, it must use one.
  CHECK(r.userns == (::geteuid() != 0));
  check_namespace_program(r);
}

TEST_CASE("An unprivileged run goes through a user namespace and the same invariants hold",
          "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  if (::geteuid() != 0) {
    WARN("SKIPPED: run_as_uid needs root to drop privileges");
    test::count_skip();
    return;
  }
  test::Program p;
  p.sandbox.run_as_uid = 65534;
  const ProcessState before = state_after_a_first_run(p);
  auto r = test::run_program(p, namespace_program);
  INFO("env error: " << r.env_error);
  REQUIRE(r.env_error.empty());
  CHECK(r.userns);
  check_namespace_program(r);
  // The sandbox event is written after the drop: the child maps itself to root inside.
  const auto sb = test::events<trace::SandboxReady>(r);
  REQUIRE(sb.size() == 1);
  CHECK(sb[0].second->userns);
  CHECK(sb[0].second->uid == 0);
  const ProcessState after = process_state();
  INFO("before: " << describe(before) << "\nafter:  " << describe(after));
  CHECK(after == before);
  CHECK(::geteuid() == 0);  // the drop happened in the child only
}

TEST_CASE("force_userns makes a root run go through a user namespace", "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  p.sandbox.force_userns = true;
  auto r = test::run_program(p, namespace_program);
  INFO("env error: " << r.env_error);
  CHECK(r.userns);
  check_namespace_program(r);
}

TEST_CASE("A child that segfaults is reported with the events streamed before the crash",
          "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  auto r = test::run_program(test::Program{}, [] {
    test::note("before-crash");
    rt::Go([] {
      test::note("crasher");
      segfault();
    }, "crasher");
    rt::Sleep(5);
    test::note("unreachable");
  });
  CHECK(r.term_signal == SIGSEGV);
  CHECK(r.exit_code == -1);
  CHECK_FALSE(r.timed_out);
  CHECK(r.env_error.empty());
  CHECK_FALSE(test::completed(r));
  CHECK(test::notes(r, "before-crash").size() == 1);
  CHECK(test::notes(r, "crasher").size() == 1);
  CHECK(test::notes(r, "unreachable").empty());
  CHECK(test::events<trace::Start>(r).size() == 1);
}

TEST_CASE("A child that hangs is killed at the timeout with its partial trace kept",
          "[sandbox]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  p.sandbox.timeout_s = 0.5;
  auto r = test::run_program(p, [] {
    rt::Go([] { test::note("worker"); }, "worker");
    rt::Sleep(1);
    test::note("before-hang");
    hang();
  });
  CHECK(r.timed_out);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.wall_ms >= 450);
  CHECK(r.wall_ms < 5000);
  CHECK(test::notes(r, "worker").size() == 1);
  CHECK(test::notes(r, "before-hang").size() == 1);
  CHECK_FALSE(test::completed(r));
}

TEST_CASE("The sandbox child does not run the harness's own signal handlers", "[sandbox]") {
  // Regression test for the signal reset in the sandbox child (625f841). The child is a fork of whatever process runs the harness (here: Catch2, which installs
  // crash handlers for SIGSEGV and co.). A crash of the program under test must be the
  // child's own default-action death, not the host's handler reporting — from inside the
  // child — a fatal error of the host (Catch2 prints a second test-run summary, with a second
  // "nsleak-skipped:" line, into the parent's output).
  NSLEAK_REQUIRE_NAMESPACES();
  auto r = test::run_program(test::Program{}, [] {
    json handlers = json::object();
    for (const auto& [name, sig] : std::vector<std::pair<const char*, int>>{
             {"SIGSEGV", SIGSEGV}, {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},
             {"SIGILL", SIGILL}, {"SIGFPE", SIGFPE}, {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT}}) {
      struct sigaction sa {};
      ::sigaction(sig, nullptr, &sa);
      handlers[name] = sa.sa_handler == SIG_DFL ? "default" : "inherited handler";
    }
    test::note("handlers", {{"handlers", handlers}});
  });
  REQUIRE(test::completed(r));
  const auto n = test::notes(r, "handlers");
  REQUIRE(n.size() == 1);
  for (const auto& [name, what] : n[0]["handlers"].items()) {
    INFO(name);
    CHECK(what == "default");
  }
}

TEST_CASE("The unprivileged id map: the user's subordinate ranges, or the reason it cannot be had",
          "[sandbox][credentials]") {
  namespace fs = std::filesystem;
  const fs::path etc = fs::temp_directory_path() / ("nsleak-etc-" + std::to_string(::getpid()));
  fs::create_directories(etc);
  const auto put = [&](const char* name, const std::string& text) { std::ofstream(etc / name) << text; };
  put("passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  put("subuid", "bob:100000:65536\nalice:165536:70000\n");
  put("subgid", "1000:300000:4096\n");  // by number: newgidmap accepts either
  const auto tools = sandbox::plan_subordinate_map(1000, 1000, etc.string());
  const bool have_tools = tools.why_not.find("not installed") == std::string::npos;
  if (!have_tools) {
    // Without newuidmap nothing else matters: the reason names the package.
    CHECK(tools.why_not.find("package uidmap") != std::string::npos);
  } else {
    CHECK(tools.why_not.empty());
    CHECK(tools.uid_start == 165536);
    CHECK(tools.gid_start == 300000);
    CHECK(tools.count == 4096);  // both maps alike: the smaller range
    CHECK(tools.newuidmap.front() == '/');
    // A user without a range: named, with the file and the line to add.
    const auto none = sandbox::plan_subordinate_map(0, 0, etc.string());
    CHECK(none.why_not.find("user root (uid 0) has no subordinate range in " + (etc / "subuid").string()) !=
          std::string::npos);
    CHECK(none.why_not.find("root:START:65536") != std::string::npos);
    put("subgid", "1000:300000:0\n");  // an empty range is none
    CHECK(sandbox::plan_subordinate_map(1000, 1000, etc.string()).why_not.find("/subgid") != std::string::npos);
    put("subgid", "alice:300000:1000000\n");
    CHECK(sandbox::plan_subordinate_map(1000, 1000, etc.string()).count == 65535);  // inside ids <= 65535
  }
  // Where only one id is mapped, the uid and gid kinds are skipped with that reason, never run.
  put("uid_map", "         0      65534          1\n");
  put("gid_map", "         0      65534          1\n         1     100000      65535\n");
  const std::string why = os::unavailable_here(StateKind::Uid, "no range here", etc.c_str());
  CHECK(why.find("maps a single uid (" + (etc / "uid_map").string() + "): no range here") != std::string::npos);
  CHECK(why.find("cannot be exercised here") != std::string::npos);
  CHECK(os::unavailable_here(StateKind::Gid, "no range here", etc.c_str()).empty());
  CHECK(os::unavailable_here(StateKind::Net, "no range here", etc.c_str()).empty());
  fs::remove_all(etc);
}
