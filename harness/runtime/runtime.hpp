// The runtime's public face: what goroutine code (the scenario interpreter, or C++ test
// bodies) calls. Names follow Go's `runtime` and `sync` packages.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/os/sys_result.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/strategy.hpp"
#include "harness/runtime/tracer.hpp"
#include "harness/trace/record.hpp"

namespace nsleak::rt {

struct G;
struct M;
class StateHasher;  // fingerprint.hpp

struct Config {
  Policy policy;
  Strategy* strategy = nullptr;  // go-order when null
  Tracer* tracer = nullptr;
  int procs = 2;    // GOMAXPROCS
  int idle_threads = 2;  // Ms parked in the pool before main.main (see Scenario::idle_threads)
};

// Starts the runtime on the calling thread, which becomes M0, and runs `main_fn` as the main
// goroutine. Never returns: when main returns the process exits (status 0), as in Go. Call it
// only in a dedicated, still single-threaded process (the sandbox child).
[[noreturn]] void run_main(const Config& cfg, std::function<void()> main_fn);

// runtime.LockOSThread / UnlockOSThread, per the policy's lock-count rules.
void LockOSThread();
void UnlockOSThread();
// `go fn()`; returns the new G's id. `fn_tag` names the function in the trace (NewProc::fn):
// the caller's own id for it (the interpreter's function id), 0 when it has none.
std::int64_t Go(std::function<void()> fn, const std::string& name, std::uint32_t fn_tag = 0);
void Gosched();
// Fault injection: while on, the next M allocated cannot get its thread — its clone fails
// with EAGAIN and the program dies as Go's does ("runtime: failed to create new OS thread").
void FailNewM(bool on);
[[noreturn]] void Goexit();
// A blocking system call: the P is handed off for its duration (entersyscallblock), `call`
// runs on this M's thread, and the G gets a P back or waits for one (exitsyscall).
void BlockingSyscall(const std::function<void()>& call);
// How long a plain syscall stays in the kernel, as far as sysmon can tell: Quick returns
// before sysmon looks twice (retake unlikely), Waits blocks on something (wait4: likely).
enum class SyscallLength { Quick, Waits };
// A plain system call (entersyscall / exitsyscall): `call` runs on this M's thread and the G
// keeps its P unless sysmon retakes it meanwhile (a choice), handing it off from sysmon.
void Syscall(const std::function<void()>& call, SyscallLength length = SyscallLength::Quick);
// time.Sleep on the virtual clock (timers.cpp): the sleeper wakes once the clock, advanced by
// work or by sysmon when nothing can run, reaches its deadline.
void Sleep(std::int64_t ms);
// Op boundary: a preemption choice point (continue, let another M run, preempt this G).
void Checkpoint();
// Scenario op `op` (its id) just completed: the anchor of the choices that follow, until the
// next op completes (trace::ChoicePoint). Called before the op's Checkpoint.
void OpDone(std::uint32_t op);

// Records an event of G code (the interpreter's ops, a test's notes) through the run's tracer:
// `attached` records first, then `owner`, with the kernel read as `observe` says (tracer.hpp).
void Emit(const trace::Record& owner, std::span<const trace::Record> attached, Observe observe);
// ... `snapshot`: every task (Observe::All), else nothing.
inline void Emit(const trace::Record& owner, std::span<const trace::Record> attached, bool snapshot) {
  Emit(owner, attached, observe_all_if(snapshot));
}
// ... with Observe::Own, the calling thread's state being `read`, just now (Tracer::commit_own_read).
void EmitOwnRead(const trace::Record& owner, std::span<const trace::Record> attached, const os::StateSet& read);

// Bookkeeping after a state change on the current thread (setns, chdir): the runtime's own
// record of the M's state, which every snapshot cross-checks against the kernel. For a kind
// threads share (Inheritance::Shares: the cwd), every M sharing the current one's value moves.
void NoteThreadNs(os::StateKind kind, os::StateValue id);
// ... after unshare: for a shared kind the current M now has a value of its own (which the Ms it
// clones will share); for a copied kind, the same as NoteThreadNs.
void NoteThreadUnshared(os::StateKind kind, os::StateValue id);
// runtime.AllThreadsSyscall (go1.16+; allthreads.cpp): syscall(trap, a1, a2, a3) on the calling
// thread, then — if it succeeded — on every other live M, each of which must get the same
// result (else the program's fatal error). `kind`'s bookkeeping follows every thread; `call`
// names the syscall in messages.
os::SysResult AllThreadsSyscall(os::StateKind kind, long trap, long a1, long a2, long a3, const std::string& call);
// Whether the policy sends syscall.Setuid & co. through AllThreadsSyscall (go1.16+).
bool AllThreadsSyscallPolicy();
// A setns/unshare failed on this G since it locked (restore-or-die skips the unlock).
void NoteNsFailure();
// Lock bookkeeping of the current M, for trace details.
struct LockState {
  std::uint32_t lockedExt;
  bool wired;  // the G is locked to its M
};
LockState CurrentLockState();

// Go's fatal error for the *program* (deadlock, panic): reported as the program's crash.
[[noreturn]] void fatal(const std::string& what);

// Introspection for G code and tests (read fresh each time; see the TLS rule in g.hpp).
std::int64_t current_goid();
std::int64_t current_mid();
bool current_locked();
// How many times the baton has changed hands so far (Baton::handoffs): equal at two points
// on one M, no other M ran between them.
std::uint64_t baton_handoffs();
std::int64_t now_ms();

// A channel of "signals" (chan struct{}), unbuffered or with a buffer of `cap` (make(chan
// struct{}, cap)): values carry nothing, so the buffer is a count.
// `tag` names it in the trace (Park::object): the creator's id for it, 0 for none.
class Chan {
 public:
  explicit Chan(std::string name, std::uint32_t tag = 0, int cap = 0) : name_(std::move(name)), tag_(tag), cap_(cap) {}
  void send();
  bool recv();  // false when closed
  void close();
  // close() as the netpoller reports an fd ready: the receivers are injected (injectglist),
  // not readied into this P's runnext, so another M may pick them up.
  void close_from_netpoll();
  const std::string& name() const { return name_; }

 private:
  friend void hash_into(StateHasher& h, const Chan& c);  // fingerprint.cpp: reads, never writes
  friend void goroutines_of(const Chan& c, std::vector<const G*>& out);
  std::string name_;
  std::uint32_t tag_;
  int cap_;
  int qcount_ = 0;                 // buffered values (chan.go's qcount), <= cap_
  std::vector<G*> recvq_, sendq_;  // FIFO
  bool closed_ = false;
};

// sync.WaitGroup.
class WaitGroup {
 public:
  explicit WaitGroup(std::string name, std::uint32_t tag = 0) : name_(std::move(name)), tag_(tag) {}
  void Add(std::int64_t delta);
  void Done() { Add(-1); }
  void Wait();

 private:
  friend void hash_into(StateHasher& h, const WaitGroup& w);  // fingerprint.cpp
  friend void goroutines_of(const WaitGroup& w, std::vector<const G*>& out);
  std::string name_;
  std::uint32_t tag_;
  std::int64_t counter_ = 0;
  std::vector<G*> waiters_;
};

}  // namespace nsleak::rt
