// How a goroutine ends: its function returns or runtime.Goexit unwinds it (gentry), then g0
// runs goexit0 — where the Go versions differ about what happens to a locked thread.
#include <boost/context/fiber.hpp>

#include "harness/runtime/goexit_signal.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {

void gentry(G* gp, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const GoexitSignal&) {
    // runtime.Goexit: deferred calls ran (C++ destructors); the G ends normally.
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // Boost.Context unwinding a fiber it destroys: must pass through
  } catch (const std::exception& e) {
    fatal(std::string("panic: ") + e.what() + " [" + gp->label() + "]");
  } catch (...) {
    // Nothing may cross the context switch: report it as the program's panic instead.
    fatal("panic: a non-standard exception escaped " + gp->label());
  }
  if (gp->is_main && !gp->goexit_called) exit_program(kChildExitOk);  // main returned: os.Exit(0)
  M* mp = getm();
  mp->mcallfn = goexit0;
  mp->mcallg = gp;
}

void Goexit() {
  getg()->goexit_called = true;
  throw GoexitSignal{};
}

// goexit0 (on g0): the G is dead. A locked G's thread may be in an unusual kernel state:
// go1.9 returns it to the pool anyway (#20395); go1.10+ kills it, wedging M0 instead.
void goexit0(G* gp) {
  auto& s = sched();
  M* mp = getm();
  casgstatus(gp, GStatus::Running, GStatus::Dead);
  --s.live_gs;
  const bool locked = gp->lockedm != nullptr;
  gp->lockedm = nullptr;
  mp->lockedg = nullptr;
  mp->curg = nullptr;
  gp->m = nullptr;
  if (mp->lockedInt != 0) throw_("internal lockOSThread error");

  using trace::GExitFate;
  GExitFate fate = GExitFate::None;
  if (locked) fate = !s.policy.locked_exit_kills_thread ? GExitFate::Pool : mp->is_m0 ? GExitFate::Wedge : GExitFate::Exit;
  trace(trace::GExit{gp->goid, mid32(mp), mp->tid, locked, fate}, locked);
  if (!locked) return;
  if (!s.policy.locked_exit_kills_thread) {
    mp->lockedExt = 0;  // go1.9: the lock is simply forgotten; the thread is reused
    return;
  }
  // go1.10 - 1.11.5 cleared lockedExt here, so mexit's handoffp -> startm -> newm no longer
  // saw a locked M and cloned straight from the dying thread (#28979).
  if (s.policy.clear_locked_ext_on_goexit) mp->lockedExt = 0;
  mexit(mp);
}

}  // namespace nsleak::rt
