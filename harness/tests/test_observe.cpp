// The observe layer's analysis of kernel facts (synthetic KernelLogs: each fact the kernel can
// show, one at a time), and the supervisor's reading of a process that is gone.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "harness/observe/analyze_tree.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/os/task_observer.hpp"
#include "harness/runner/kernel_audit.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/tests/support.hpp"

namespace {

using nsleak::observe::Call;
using nsleak::observe::End;
using nsleak::observe::KernelEvent;
using nsleak::observe::KernelLog;
using nsleak::observe::TaskRow;
using nsleak::verdict::VerdictKind;
namespace os = nsleak::os;

constexpr unsigned kNet = 1u << os::index(os::StateKind::Net);
const os::StateSet kOrigin = [] {
  os::StateSet s{};
  s[os::index(os::StateKind::Net)] = os::StateValue{4, 100};
  return s;
}();
const os::StateSet kOther = [] {
  os::StateSet s{};
  s[os::index(os::StateKind::Net)] = os::StateValue{4, 200};
  return s;
}();

// A log builder: each event is (caller, call, flags) over the tree given as rows.
struct Log {
  KernelLog log;
  Log() {
    log.root = 10;
    log.kinds_mask = kNet;
  }
  // A row as the tests write it: (pid, tid, state); the fs struct's sharing stays unknown.
  struct Row {
    pid_t pid, tid;
    os::StateSet state;
  };
  Log& ev(pid_t tid, Call c, std::vector<Row> rows, std::optional<std::uint64_t> flags = std::nullopt) {
    KernelEvent e;
    e.seq = static_cast<std::int64_t>(log.events.size());
    e.tid = tid;
    e.call = c;
    e.flags = flags;
    for (const Row& r : rows) {
      TaskRow t;
      t.pid = r.pid;
      t.tid = r.tid;
      t.state = r.state;
      e.tasks.push_back(t);
    }
    for (const auto& r : e.tasks)
      if (r.tid == tid) e.pid = r.pid;
    log.events.push_back(std::move(e));
    return *this;
  }
};

constexpr std::uint64_t kThread = 0x10000;  // CLONE_THREAD

std::vector<VerdictKind> kinds(const nsleak::observe::TreeAnalysis& a) {
  std::vector<VerdictKind> out;
  for (const auto& f : a.findings) out.push_back(f.kind);
  return out;
}

}  // namespace

TEST_CASE("observe: a clone from a dirty thread is inherited-clone, naming the creator", "[observe]") {
  Log l;
  // 11 (a runtime thread, say) stays in origin: 10's unshare moves 10 alone, so 10 is dirty.
  l.ev(10, Call::Execve, {{10, 10, kOrigin}})
      .ev(10, Call::Clone, {{10, 10, kOrigin}}, kThread)
      .ev(10, Call::Unshare, {{10, 10, kOrigin}, {10, 11, kOrigin}}, 0x40000000)
      .ev(10, Call::Clone, {{10, 10, kOther}, {10, 11, kOrigin}}, kThread)
      .ev(10, Call::ExitGroup, {{10, 10, kOther}, {10, 11, kOrigin}, {10, 12, kOther}});
  const auto a = nsleak::observe::analyze_tree(l.log);
  REQUIRE(a.threads.size() == 3);
  CHECK(a.threads[0].timeline.size() == 2);
  CHECK(a.threads[0].timeline[1].cause == 2);  // the unshare explains the change
  CHECK(a.threads[2].created_by == 10);
  CHECK(a.threads[2].creator_certain);
  CHECK(kinds(a) == std::vector{VerdictKind::InheritedClone, VerdictKind::PoisonedMain, VerdictKind::DirtyAtExit});
  CHECK(a.findings[0].from_tid == 10);
  CHECK(a.findings[0].state_kind == os::StateKind::Net);  // each finding names its kind
  CHECK(a.findings[0].process_value == kOrigin[os::index(os::StateKind::Net)]);
  CHECK(a.findings[2].tid == 12);
  CHECK(a.moves.empty());
}

TEST_CASE("observe: a thread that vanishes between snapshots is normal; a dirty exit is thread-exited", "[observe]") {
  Log l;
  l.ev(10, Call::Execve, {{10, 10, kOrigin}})
      .ev(10, Call::Clone, {{10, 10, kOrigin}}, kThread)
      .ev(10, Call::Clone, {{10, 10, kOrigin}, {10, 11, kOrigin}}, kThread)
      .ev(12, Call::Unshare, {{10, 10, kOrigin}, {10, 11, kOrigin}, {10, 12, kOrigin}}, 0x40000000)
      .ev(12, Call::Exit, {{10, 10, kOrigin}, {10, 12, kOther}})  // 11 gone: no exit was seen
      .ev(10, Call::ExitGroup, {{10, 10, kOrigin}});
  const auto a = nsleak::observe::analyze_tree(l.log);
  REQUIRE(a.threads.size() == 3);
  CHECK(a.threads[1].end == End::Vanished);
  CHECK(a.threads[1].end_seq == 4);
  CHECK(a.threads[2].end == End::Exit);
  CHECK(kinds(a) == std::vector{VerdictKind::ThreadExited});
  CHECK(a.exit_seq == 5);
}

TEST_CASE("observe: a forked child's exec in its creator thread's state is exec-inherited from that thread", "[observe]") {
  Log l;
  l.log.parent_of[20] = 10;
  l.ev(10, Call::Execve, {{10, 10, kOrigin}})
      .ev(10, Call::Clone, {{10, 10, kOrigin}}, kThread)
      .ev(11, Call::Unshare, {{10, 10, kOrigin}, {10, 11, kOrigin}})
      .ev(11, Call::Clone, {{10, 10, kOrigin}, {10, 11, kOther}}, 0x4111)  // CLONE_VFORK|CLONE_VM|SIGCHLD
      .ev(20, Call::Execve, {{10, 10, kOrigin}, {10, 11, kOther}, {20, 20, kOther}})
      .ev(20, Call::Execve, {{10, 10, kOrigin}, {10, 11, kOther}, {20, 20, kOther}})  // execvp's next PATH entry
      .ev(10, Call::ExitGroup, {{10, 10, kOrigin}, {10, 11, kOther}});
  const auto a = nsleak::observe::analyze_tree(l.log);
  REQUIRE(a.threads.size() == 3);
  CHECK(a.threads[2].leader);
  CHECK(a.threads[2].created_by == 11);
  // One finding per process, at its last attempt; the alive dirty thread at exit as well.
  CHECK(kinds(a) == std::vector{VerdictKind::ExecInherited, VerdictKind::DirtyAtExit});
  CHECK(a.findings[0].from_tid == 11);
  CHECK(a.findings[0].seq == 5);
}

TEST_CASE("observe: with several clones pending, the new thread's state picks its creator", "[observe]") {
  Log l;
  l.ev(10, Call::Execve, {{10, 10, kOrigin}})
      .ev(10, Call::Clone, {{10, 10, kOrigin}}, kThread)
      .ev(11, Call::Unshare, {{10, 10, kOrigin}, {10, 11, kOrigin}})
      .ev(11, Call::Clone, {{10, 10, kOrigin}, {10, 11, kOther}}, kThread)
      .ev(10, Call::Clone, {{10, 10, kOrigin}, {10, 11, kOther}}, kThread)
      .ev(10, Call::ExitGroup, {{10, 10, kOrigin}, {10, 11, kOrigin}, {10, 12, kOrigin}});
  const auto a = nsleak::observe::analyze_tree(l.log);
  REQUIRE(a.threads.size() == 3);
  CHECK(a.threads[2].created_by == 10);  // started in origin: 10's clone, not dirty 11's
  CHECK(a.threads[2].creator_certain);
  CHECK(kinds(a).empty());  // 11 went back to origin (a change nothing notified explains)
  CHECK(a.threads[1].timeline.back().cause == -1);
}

namespace {

constexpr unsigned kNetUid = kNet | (1u << os::index(os::StateKind::Uid));
os::StateSet with_uid(const os::StateSet& s, std::uint32_t euid) {
  os::StateSet out = s;
  out[os::index(os::StateKind::Uid)] = os::ids_value(os::StateKind::Uid, 0, euid, 0);
  return out;
}
const os::StateSet kU0 = with_uid(kOrigin, 0), kU1 = with_uid(kOrigin, 1);

}  // namespace

// What "dirty" means (analyze_tree.hpp): a kind moves for the whole process when every live
// thread is seen with the new value; a thread that differs from its process is dirty.
TEST_CASE("observe: a per-thread uid change is dirty by kind; the same change on every thread (AllThreadsSyscall) is "
          "the process's", "[observe][dirty]") {
  SECTION("one thread alone: dirty-at-exit about uid, the net namespace clean") {
    Log l;
    l.log.kinds_mask = kNetUid;
    l.ev(10, Call::Execve, {{10, 10, kU0}})
        .ev(10, Call::Clone, {{10, 10, kU0}}, kThread)
        .ev(11, Call::Setresuid, {{10, 10, kU0}, {10, 11, kU0}})
        .ev(11, Call::Clone, {{10, 10, kU0}, {10, 11, kU1}}, kThread)
        .ev(10, Call::ExitGroup, {{10, 10, kU0}, {10, 11, kU1}, {10, 12, kU1}});
    const auto a = nsleak::observe::analyze_tree(l.log);
    CHECK(kinds(a) == std::vector{VerdictKind::InheritedClone, VerdictKind::DirtyAtExit, VerdictKind::DirtyAtExit});
    for (const auto& f : a.findings) CHECK(f.state_kind == os::StateKind::Uid);
    CHECK(a.findings[0].tid == 12);
    CHECK(a.findings[0].from_tid == 11);
    CHECK(a.threads[1].timeline.back().cause == 2);  // the setresuid explains 11's change
    CHECK(a.moves.empty());
  }
  SECTION("every thread, one after the other (Go >= 1.16's syscall.Setuid): no verdict, one process-wide move") {
    Log l;
    l.log.kinds_mask = kNetUid;
    l.ev(10, Call::Execve, {{10, 10, kU0}})
        .ev(10, Call::Clone, {{10, 10, kU0}}, kThread)
        .ev(10, Call::Setuid, {{10, 10, kU0}, {10, 11, kU0}})
        .ev(11, Call::Setuid, {{10, 10, kU1}, {10, 11, kU0}})  // halfway: 11 not yet moved
        .ev(11, Call::Clone, {{10, 10, kU1}, {10, 11, kU1}}, kThread)
        .ev(10, Call::ExitGroup, {{10, 10, kU1}, {10, 11, kU1}, {10, 12, kU1}});
    const auto a = nsleak::observe::analyze_tree(l.log);
    CHECK(kinds(a).empty());
    REQUIRE(a.moves.size() == 1);
    CHECK(a.moves[0].seq == 4);
    CHECK(a.moves[0].kind == os::StateKind::Uid);
    CHECK(a.moves[0].value == kU1[os::index(os::StateKind::Uid)]);
    CHECK(a.process_state(10, 3) == kU0);
    CHECK(a.process_state(10, 4) == kU1);
  }
  SECTION("a single-threaded process is all its threads: its own change is the process's") {
    Log l;
    l.log.kinds_mask = kNetUid;
    l.ev(10, Call::Setresuid, {{10, 10, kU0}})
        .ev(10, Call::Execve, {{10, 10, kU1}})
        .ev(10, Call::ExitGroup, {{10, 10, kU1}});
    const auto a = nsleak::observe::analyze_tree(l.log);
    CHECK(kinds(a).empty());
    CHECK(a.moves.size() == 1);
  }
}

TEST_CASE("observe: the tasks of a process that is gone are none, not an error", "[observe]") {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  REQUIRE(pid > 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(os::process_tasks(pid, kNet).empty());
  const auto self = os::process_tasks(::getpid(), kNet);
  REQUIRE(!self.empty());
  CHECK(self.front().state[os::index(os::StateKind::Net)].valid());
}

TEST_CASE("the run-time audit: the kernel saw the article's calls; a forged missing or extra syscall is caught",
          "[observe][audit]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const auto sc = nsleak::scenario::parse_scenario(
      nsleak::test::read_file(NSLEAK_SOURCE_DIR "/scenarios/article/article-poisoned-main.json"), "article.json",
      nsleak::scenario::ParseOptions{nsleak::rt::policy_names(), nsleak::verdict::verdict_names()});
  const auto r = nsleak::runner::run_scenario(sc, nsleak::runner::RunOptions{});
  INFO(r.judgement.reason);
  REQUIRE(r.judgement.outcome == nsleak::verdict::Outcome::Pass);
  CHECK(r.audit.empty());
  const auto& evs = r.kernel.events;
  const auto setns = std::find_if(evs.begin(), evs.end(), [](const KernelEvent& e) { return e.call == Call::Setns; });
  REQUIRE(setns != evs.end());
  const auto unshare = std::find_if(evs.begin(), evs.end(), [](const KernelEvent& e) { return e.call == Call::Unshare; });
  REQUIRE(unshare != evs.end());
  CHECK(nsleak::runner::audit_kernel_calls(r.kernel, r.record.events, sc).empty());
  // The child is notified only of the calls the audit counts: its exits and every other call
  // ran without a supervisor round trip.
  const auto audited = nsleak::runner::audited_calls();
  for (const auto& e : evs) CHECK((audited >> static_cast<unsigned>(e.call) & 1u) == 1u);
  CHECK(std::none_of(evs.begin(), evs.end(), [](const KernelEvent& e) { return e.call == Call::ExitGroup; }));

  // The kernel never saw the setns the trace logs: caught, naming the call, the thread and the op.
  KernelLog missing = r.kernel;
  missing.events.erase(missing.events.begin() + (setns - evs.begin()));
  const auto m = nsleak::runner::audit_kernel_calls(missing, r.record.events, sc);
  REQUIRE(m.size() == 1);
  CHECK(m[0] == "the kernel saw 0 setns by tid " + std::to_string(setns->tid) + ", the trace logs 1 (e.g. goroutineWithNs#3)");

  // A call the trace does not log (a runtime that moved a thread behind the model's back).
  KernelLog extra = r.kernel;
  extra.events.push_back(*unshare);
  const auto x = nsleak::runner::audit_kernel_calls(extra, r.record.events, sc);
  REQUIRE(x.size() == 1);
  CHECK(x[0] == "the kernel saw 2 unshare by tid " + std::to_string(unshare->tid) + " that the trace does not log (1 logged)");

  // A clone the kernel saw but no NewM explains.
  KernelLog clone = r.kernel;
  KernelEvent c = *setns;
  c.call = Call::Clone;
  c.flags = 0x10000 | 0x100;  // CLONE_THREAD|CLONE_VM
  clone.events.push_back(c);
  const auto y = nsleak::runner::audit_kernel_calls(clone, r.record.events, sc);
  REQUIRE(y.size() == 1);
  CHECK(y[0].find("thread clone by tid " + std::to_string(setns->tid) + " that the trace does not log") != std::string::npos);
}
