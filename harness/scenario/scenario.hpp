// Scenario: the parsed, validated form of a scenario file (the public JSON format).
//
// A scenario is a Go program in miniature: the ops of the main goroutine, named function
// bodies for `go` and `call`, and per-policy expectations on the verdicts. Every op keeps its
// source location and a stable label ("main#3", "child#0.1") so that traces, replay tokens and
// error messages point back at the file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/os/state_kind.hpp"

namespace nsleak::scenario {

// Location of a value in a scenario file; line and col are 1-based, 0 when unknown.
struct Location {
  std::string file;
  int line = 0;
  int col = 0;

  std::string str() const;  // "file:line:col"
};

// Each op is the Go construct named in the comment.
enum class OpKind {
  Lock,     // runtime.LockOSThread()
  Unlock,   // runtime.UnlockOSThread()
  Unshare,  // netns.New(): unshare(CLONE_NEWNET) on the current thread, then name it
  Setns,    // netns.Set(h): setns(fd, CLONE_NEWNET)
  Get,      // netns.Get(): name the current thread's namespace
  Go,       // go fn()
  Call,     // fn(): run a body inline, a "library"
  Send,     // ch <- v (unbuffered)
  Recv,     // <-ch
  Close,    // close(ch)
  WgAdd,    // wg.Add(n)
  WgDone,   // wg.Done()
  WgWait,   // wg.Wait()
  Yield,    // runtime.Gosched()
  Syscall,  // a syscall: entersyscall (keeps the P), or entersyscallblock with "blocking"
  Sleep,    // time.Sleep(ms)
  Exec,     // exec.Command(...).Run(): fork/exec a child that reports its namespace
  Expect,   // if !cur.Equal(ns) { ... }: the author's belief, checked against the kernel
  Repeat,   // for i := 0; i < times; i++ { body }
  Exit,     // runtime.Goexit()
  Chdir,    // syscall.Chdir(dir): moves every thread sharing this one's fs struct
  Setuid,       // syscall.Setuid(uid) (per policy: this thread or every thread); raw: setresuid
  Setgid,       // syscall.Setgid(gid); raw: setresgid
  Setaffinity,  // unix.SchedSetaffinity(0, set)
  Setnice,      // syscall.Setpriority(PRIO_PROCESS, 0, nice)
  Tid,          // tid := syscall.Gettid(): names the current M's OS thread
  Until,        // for i := 0; i < max && !cond; i++ { body } (cond: a named thread has exited)
  // Test only, never in the public vocabulary (op_names, `nsleak list`, the format docs):
  // makes a syscall the sandbox's allowlist forbids, to prove a violation is caught. The
  // parser accepts it only when the environment has NSLEAK_TEST_OPS=1 (kTestOpsEnv).
  TestForbiddenSyscall,
};
inline constexpr const char* kTestOpsEnv = "NSLEAK_TEST_OPS";

// Canonical op name as written in scenario files ("wg_add", "unshare", ...).
const char* op_name(OpKind k);
// What the op stands for in Go, one line.
const char* op_go(OpKind k);
// All public op names, in declaration order (for "did you mean" and `nsleak list`).
const std::vector<std::string>& op_names();
// A test-only op by name, when the environment enables them (kTestOpsEnv=1); else nullopt.
std::optional<OpKind> test_op_from_name(std::string_view name);

// Namespace kinds a scenario may unshare/setns. Observation covers the same kinds.
using os::StateKind;

// The predefined namespace name: the sandbox's starting namespace.
inline constexpr const char* kOrigin = "origin";

struct Op {
  OpKind kind = OpKind::Yield;
  Location loc;
  std::string label;  // stable, e.g. "main#2" or "worker#1.0" (index path inside repeat)
  std::uint32_t id = 0;  // the trace's name for it (ids.hpp)

  StateKind ns = StateKind::Net;  // unshare/setns/get/expect: which state kind; chdir and the
                                  // set* ops: the kind they change
  std::string name;         // unshare/get: `as`; setns: `to`; go/call: `fn`; chdir: `dir`;
                            // send/recv/close: `chan`; wg_*: `wg`; expect: `is`; exec: `as`;
                            // tid: `as` (a thread name); until: cond's `thread_gone`
  bool inherit = false;     // go: the author expects the child to run in the spawner's ns
  bool blocking = false;    // syscall: entersyscallblock (hand the P off at once)
  int fail_errno = 0;       // setns/unshare: make the real syscall fail with this errno;
                            // go (clone_fail): the clone of a thread this spawn creates
  std::int64_t n = 0;       // wg_add: n; sleep: ms; repeat: times; setuid/setgid: the id;
                            // setnice: the nice value; until: max
  bool raw = false;         // setuid/setgid: the raw per-thread syscall, whatever the policy
  bool local = false;       // `name` holds "$i": each goroutine's own (fields.hpp, kLocalMark)
  std::vector<int> cpus;    // setaffinity: the CPUs
  std::vector<Op> body;     // repeat, until: the body
};

// How `nsleak test` explores the schedules a claim speaks of (harness/explore).
struct ExploreClaim {
  Location loc;
  std::string strategy = "exhaustive";  // exhaustive, portfolio, pct, random
  int bound = 2;                        // exhaustive, portfolio: non-default decisions at most
  int depth = 2;                        // pct
  std::int64_t seed = 1;                // pct, random
  std::int64_t budget = 2000;           // schedules at most
};

// A pseudo-verdict of "reachable": some schedule shows no leak verdict at all.
inline constexpr const char* kCleanClaim = "clean";

// What must and must not appear under one policy.
struct Expectation {
  Location loc;
  std::vector<std::string> verdicts;  // must each appear at least once (on go-order)
  std::vector<std::string> absent;    // must not appear (on go-order)
  // Claims over every explored schedule: some schedule shows each of `reachable` ("clean": one
  // with no leak verdict), none shows any of `unreachable`; an exhaustive exploration must also
  // be complete for `unreachable` to hold.
  std::vector<std::string> reachable, unreachable;
  bool has_explore = false;
  ExploreClaim explore;
  bool claims() const { return !reachable.empty() || !unreachable.empty(); }
};

struct Scenario {
  std::string file;  // path as given, or "<embedded:article>"
  std::string name;  // [a-z0-9-]+
  std::string description;
  int procs = 2;  // GOMAXPROCS
  // Ms already idle when main.main starts. Go's runtime.main has by then started sysmon and
  // the GC's background workers, whose threads wait in the M pool; 0 makes every new M a clone.
  // Scenario key "idle_threads" (old name, still accepted: "idle_ms").
  int idle_threads = 2;
  std::vector<Op> main;
  std::map<std::string, std::vector<Op>> functions;
  // "chans": channel name -> buffer capacity (make(chan struct{}, cap)); a channel not listed
  // is unbuffered, as before the key existed.
  std::map<std::string, int> chans;
  std::map<std::string, Expectation> expect;  // policy name -> expectation (file order kept
                                              // separately below)
  std::vector<std::string> expect_order;      // policy names in file order
};

}  // namespace nsleak::scenario
