// M: a machine — a real OS thread (pthread, real tid) that runs Gs.
//
// Its scheduler code runs on the thread's own stack (Go's g0). M0 is the process's main
// thread. Namespace state belongs to the M, not to the G: `ns` is the runtime's bookkeeping
// of what the kernel should report for this thread, cross-checked at every step.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "harness/os/state_kind.hpp"
#include "harness/runtime/note.hpp"
#include "harness/runtime/os_semaphore.hpp"
#include "harness/runtime/threads.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::rt {

struct G;
struct P;

// What an M's thread is doing, as far as the scheduler tracks it; written only by casmstatus
// (status.cpp). Legal changes:
//   Running  -> Spinning (looks for work to steal, or started spinning by startm/wakep)
//   Spinning -> Running  (found work: resetspinning; or gave up its P in findRunnable)
//   Running  -> Idle     (stopm: on sched.midle)      Idle   -> Running/Spinning (startm)
//   Running  -> Parked   (stoplockedm: waits for its locked G)   Parked -> Running
//   Running  -> Wedged   (M0 after a locked exit: parks forever)
//   Running  -> Exited   (mexit: the thread has returned)
// sysmon and the template thread sleep on their notes as Running: nothing schedules onto them.
enum class MStatus { Running, Spinning, Idle, Parked, Wedged, Exited };
const char* mstatus_name(MStatus s);

// Where inside Syscall/BlockingSyscall (syscall.cpp) an M stops while its G is in the kernel,
// after the call itself: from each, what is left of the call reads only the M's fields, its
// sys_p and sys_waits, and the scheduler's state (the state fingerprint's syscall sites).
enum class SysSite : std::uint8_t {
  None,
  RetakeAsk,       // asking the retake choice
  AfterRetake,     // sysmon was passed the baton to retake this M's P (pass_to)
  WaitsReturn,     // a call that waits, letting the ready Ms run first (pass)
  BlockingReturn,  // entersyscallblock's call, the P handed off (pass)
};

struct M {
  std::int64_t id = 0;
  pid_t tid = 0;
  pthread_t thread{};
  bool is_m0 = false;
  trace::MRole role = trace::MRole::Startm;  // why it was made
  std::uint32_t role_occ = 0;  // creation order among the Ms of its role, from 1 (its stable label)
  bool clone_fails = false;  // fault injection: its thread cannot be created (FailNewM)

  G* curg = nullptr;     // the G running on this M
  P* p = nullptr;        // attached P, while running Go code
  P* nextp = nullptr;    // P to acquire when woken
  G* lockedg = nullptr;  // LockOSThread'ed G
  std::uint32_t lockedExt = 0;
  std::uint32_t lockedInt = 0;
  MStatus status = MStatus::Running;
  Note park;
  std::function<void()> mstartfn;     // run first on the new thread (sysmon, templateThread)
  // What g0 does with the G that just switched out (mcall). A plain function pointer: set on
  // every park and yield, so it must not allocate.
  void (*mcallfn)(G*) = nullptr;
  G* mcallg = nullptr;  // the G mcallfn is called with: not always the one g0 last ran (GContext::switch_to)
  G* runnow = nullptr;                // run this G next, directly (exitsyscall0 got a P)
  bool joined = false;                // pthread_join done, task gone from /proc
  bool ready = false;                 // in the baton's ready list
  // The op boundary (Sched::ops) at which startm woke or made this M, until it runs: it may
  // run beside its waker from the next boundary on (the wakep choice). -1: not pending.
  std::int64_t woken_op = -1;
  // Sched::syscalls when it was woken: it runs beside its waker only once some M has made a
  // system call since, or after a long run of ops without one (waking takes the kernel longer
  // than Go code between two syscalls).
  std::int64_t woken_syscalls = 0;
  // While its G is in a system call: where the M waits (SysSite), the P it entered the call
  // with and whether the call waits (SyscallLength::Waits); None/nullptr/false otherwise.
  SysSite sys_site = SysSite::None;
  P* sys_p = nullptr;
  bool sys_waits = false;
  os::StateSet ns{};                     // bookkeeping: the thread's state, per kind
  // For kinds threads share (the fs struct): which shared value this M's thread has; Ms with
  // the same id share one (newm1 copies the id, unshare gives a new one). 0: the process's.
  std::array<std::int64_t, os::kStateKinds> share{};
  OsSemaphore turn;                   // released when this M is given the baton

  bool spinning() const { return status == MStatus::Spinning; }
  bool exited() const { return status == MStatus::Exited; }
  std::string label() const { return m_label(id); }
};

// The M running on the calling thread. Deliberately not inlined and never cached across a
// point where a G may switch (see g.hpp, TLS rule).
M* getm();
// The G running on the calling thread (nullptr on g0 between Gs).
G* getg();
void setm(M* m);  // thread start only

}  // namespace nsleak::rt
