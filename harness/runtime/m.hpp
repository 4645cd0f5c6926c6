// M: a machine — a real OS thread (pthread, real tid) that runs Gs.
//
// Its scheduler code runs on the thread's own stack (Go's g0). M0 is the process's main
// thread. Namespace state belongs to the M, not to the G: `ns` is the runtime's bookkeeping
// of what the kernel should report for this thread, cross-checked at every step.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include "harness/runtime/os_semaphore.hpp"
#include <string>

#include "harness/os/ns_kind.hpp"
#include "harness/runtime/note.hpp"

namespace nsleak::rt {

struct G;
struct P;

struct M {
  std::int64_t id = 0;
  pid_t tid = 0;
  pthread_t thread{};
  bool is_m0 = false;
  std::string role;  // "m0", "sysmon", "template", "" for ordinary Ms

  G* curg = nullptr;     // the G running on this M
  P* p = nullptr;        // attached P, while running Go code
  P* nextp = nullptr;    // P to acquire when woken
  G* lockedg = nullptr;  // LockOSThread'ed G
  std::uint32_t lockedExt = 0;
  std::uint32_t lockedInt = 0;
  bool spinning = false;
  Note park;
  std::function<void()> mstartfn;     // run first on the new thread (sysmon, templateThread)
  std::function<void(G*)> mcallfn;    // what g0 does with the G that just switched out
  G* runnow = nullptr;                // run this G next, directly (exitsyscall0 got a P)
  M* cloned_from = nullptr;           // the M whose thread was cloned to make this one
  bool wedged = false;                // M0 after a locked exit (parks forever)
  bool exited = false;                // thread has returned (mexit)
  bool joined = false;                // pthread_join done, task gone from /proc
  bool ready = false;                 // in the baton's ready list
  os::NsSet ns{};                     // bookkeeping: the thread's namespaces
  OsSemaphore turn;                   // released when this M is given the baton

  std::string label() const { return "m" + std::to_string(id); }
};

// The M running on the calling thread. Deliberately not inlined and never cached across a
// point where a G may switch (see g.hpp, TLS rule).
M* getm();
// The G running on the calling thread (nullptr on g0 between Gs).
G* getg();
void setm(M* m);  // thread start only

}  // namespace nsleak::rt
