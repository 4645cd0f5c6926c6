// Making and ending Ms: newm (direct clone or via the template thread), the thread's start
// (mstart) and end (mexit). Threads are real: which thread calls pthread_create decides, in
// the kernel, which namespaces the new thread starts in.
#include <pthread.h>
#include <unistd.h>



#include <algorithm>

#include "harness/os/fault_injection.hpp"
#include "harness/os/task_observer.hpp"
#include "harness/runtime/run_limits.hpp"
#include "harness/runtime/sched.hpp"

namespace nsleak::rt {
namespace {

void* thread_main(void* arg) {
  M* mp = static_cast<M*>(arg);
  setm(mp);
  sched().baton.await_turn(mp);
  // newm1 learnt our tid from /proc before handing us the baton: check it is really ours.
  if (mp->tid != static_cast<pid_t>(::gettid())) throw_("newm: tid read from /proc is not the new thread's");
  mstart(mp);
  return nullptr;  // not reached: Ms end in mexit
}

// The tid of the thread pthread_create just made: the one task no M owns. Only the baton
// holder creates threads, so there is exactly one. Reading /proc costs one getdents64; asking
// the new thread would cost a wake-up of a thread the kernel has not even scheduled yet.
pid_t new_task_tid() {
  std::vector<pid_t> known;
  for (const auto& m : sched().allm)
    if (m->tid != 0 && !m->joined) known.push_back(m->tid);
  std::sort(known.begin(), known.end());
  pid_t found = 0;
  for (pid_t t : os::task_ids()) {
    if (std::binary_search(known.begin(), known.end(), t)) continue;
    if (found != 0) throw_("newm: more than one task without an M");
    found = t;
  }
  if (found == 0) throw_("newm: the new thread is not in /proc/self/task");
  return found;
}

M* allocm(std::function<void()> fn, P* pp, trace::MRole role) {
  auto& s = sched();
  check_new_m();
  ++s.live_ms;
  auto owned = std::make_unique<M>();
  M* mp = owned.get();
  mp->id = static_cast<std::int64_t>(s.allm.size());
  mp->role = role;
  mp->role_occ = ++s.made[static_cast<std::size_t>(role)];
  mp->mstartfn = std::move(fn);
  mp->nextp = pp;
  mp->park.owner = mp;
  mp->clone_fails = std::exchange(s.fail_newm, false);
  s.allm.push_back(std::move(owned));
  return mp;
}

// newm1: clone a thread for mp from the *calling* thread.
void newm1(M* mp, trace::CloneVia via) {
  M* cur = getm();
  // bookkeeping: clone(2) without CLONE_NEW* puts the thread in the caller's namespaces, and
  // CLONE_FS (pthread_create's) makes it share the caller's fs struct: same share id.
  mp->ns = cur->ns;
  mp->share = cur->share;
  if (mp->clone_fails) {
    // newosproc in os_linux.go: clone failed, print and throw. The clone is real (marked, so
    // the sandbox's filter answers it), as the kernel's refusal would be.
    const int err = os::clone_new_thread_fault();
    fatal("runtime: failed to create new OS thread (have " + std::to_string(sched().allm.size() - 1) +
          " already; errno=" + std::to_string(err) +
          ")\nruntime: may need to increase max user processes (ulimit -u)\nfatal error: newosproc");
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kThreadStack);
  const int rc = pthread_create(&mp->thread, &attr, thread_main, mp);
  pthread_attr_destroy(&attr);
  if (rc != 0) fatal("newosproc: pthread_create failed: errno " + std::to_string(rc));
  mp->tid = new_task_tid();
  trace(trace::NewM{mid32(mp), mp->tid, mid32(cur), cur->tid, mp->role, via}, true);
  sched().baton.make_ready(mp);
}

void templateThread() {
  auto& h = sched().newmHandoff;
  for (;;) {
    while (!h.newm.empty()) {
      auto batch = std::exchange(h.newm, {});
      for (M* mp : batch) newm1(mp, trace::CloneVia::Template);
    }
    h.waiting = true;
    notesleep(getm()->park);
  }
}

}  // namespace

void FailNewM(bool on) { sched().fail_newm = on; }

// newm: a new M for pp. On a thread with lockedExt != 0 (go1.10+), the clone is asked of the
// template thread, which is known to be in a good state; otherwise the caller clones itself.
M* newm(std::function<void()> fn, P* pp, trace::MRole role) {
  auto& s = sched();
  M* cur = getm();
  M* mp = allocm(std::move(fn), pp, role);
  if (s.policy.template_thread && cur->lockedExt != 0) {
    if (!s.newmHandoff.haveTemplateThread) throw_("on a locked thread with no template thread");
    s.newmHandoff.newm.push_back(mp);
    trace(trace::NewmHandoff{mid32(mp), mid32(cur), mid32(s.newmHandoff.templ)});
    if (s.newmHandoff.waiting) {
      s.newmHandoff.waiting = false;
      notewakeup(s.newmHandoff.templ->park);
    }
    return mp;
  }
  newm1(mp, trace::CloneVia::Direct);
  return mp;
}

// newm_locked: a new M cloned from the calling thread on purpose, with gp locked to it
// (the inherit-spawn prototype: the child starts in the spawner's thread state).
M* newm_locked(G* gp) {
  M* mp = allocm(nullptr, nullptr, trace::MRole::InheritSpawn);
  mp->lockedg = gp;
  mp->lockedExt = 1;
  gp->lockedm = mp;
  newm1(mp, trace::CloneVia::Direct);
  return mp;
}

// startTemplateThread: started by the first LockOSThread *before* the count is incremented,
// "while we're in a known-good state" — a thread dirtied before that makes a dirty template.
void startTemplateThread() {
  auto& h = sched().newmHandoff;
  if (h.haveTemplateThread) return;
  h.haveTemplateThread = true;
  h.templ = newm(templateThread, nullptr, trace::MRole::Template);
}

void mstart(M* mp) {
  // No snapshot: newm's, taken once the task existed, already shows the state it started in.
  trace(trace::MStart{mid32(mp), mp->tid, mp->role});
  if (mp->mstartfn) mp->mstartfn();
  // A thread born locked (inherit-spawn) takes its P in stoplockedm, once startlockedm has
  // handed one over; taking it here would hand it straight off again.
  if (mp->nextp != nullptr && mp->lockedg == nullptr) acquirep(std::exchange(mp->nextp, nullptr));
  schedule_loop();
}

// mexit: the M's locked G exited (go1.10+). M0 cannot exit without ending the process, so it
// is wedged: its P is handed off and it parks forever, keeping its state.
void mexit(M* mp) {
  auto& s = sched();
  if (mp->is_m0) {
    handoffp(releasep());
    casmstatus(mp, MStatus::Running, MStatus::Wedged);
    trace(trace::Wedge{mid32(mp), mp->tid}, true);
    notesleep(mp->park);
    throw_("locked m0 woke up");
  }
  handoffp(releasep());  // may start an M: from this dying thread if lockedExt is 0 (#28979)
  casmstatus(mp, MStatus::Running, MStatus::Exited);
  --s.live_ms;
  trace(trace::MExit{mid32(mp), mp->tid});
  s.exiting.push_back(mp);
  s.baton.leave(mp);
  pthread_exit(nullptr);
}

}  // namespace nsleak::rt
