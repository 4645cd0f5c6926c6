#include "harness/interp/interpreter.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "harness/os/exec_probe.hpp"
#include "harness/os/fault_injection.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/os/task_observer.hpp"
#include "harness/runtime/fingerprint.hpp"
#include "harness/runtime/threads.hpp"
#include "harness/scenario/fields.hpp"
#include "harness/scenario/ids.hpp"
#include "harness/trace/record.hpp"
#include "harness/trace/slots.hpp"

namespace nsleak::interp {
namespace {

using namespace nsleak::scenario;  // the model this layer interprets

// One body being run: a function's, or a repeat's or an until's for its remaining rounds
// (`until`: the op whose condition is checked after each round).
struct Frame {
  const std::vector<Op>* body;
  std::size_t next;
  std::int64_t rounds_left;
  const Op* until = nullptr;
};

// Where a goroutine is, as far as a state fingerprint can tell (rt::ProgramState::Position):
// not started (its first state and body), at an op boundary (inside Checkpoint after op
// `op`'s step: what follows is that op's remaining code, then `frames`), parked inside a
// runtime call that returns into op `op`'s step with no local state (send, recv, wg_wait,
// sleep, yield), in the kernel inside op `op`'s system call once the call is made, with
// the locals the op's remaining code reads hashed by the op itself (InSyscall: in_syscall),
// or anywhere else (InOp: locals on its stack, so no fingerprint).
enum class Phase { NotStarted, InOp, AtBoundary, InCall, InSyscall };

struct GPos;
// What a goroutine's author believes about it (ARCHITECTURE.md §Observation and verdicts).
struct GState {
  os::StateSet belief{};
  // Which `go` of its function made this goroutine (1, 2, ...; main: 0): what "$i" in its
  // names stands for, as its label's occurrence ("do#2").
  int occurrence = 0;
  std::string local_name;  // name_of's result for a "$i" name (reused: no allocation per op)
  // For a kind threads share (the cwd): which shared struct (rt::MSnapshot::share) the author
  // believes the goroutine is on. A chdir there is seen by every goroutine believing the same
  // struct, whichever thread it runs on: the kernel shares, it does not copy.
  std::array<std::int64_t, os::kStateKinds> share{};
  bool inherit = false;  // spawned with `inherit: true`: expected to run in `belief`
  GPos* pos = nullptr;   // where it is, for state fingerprints (Interpreter::goroutine)
};

struct GPos {
  Phase phase = Phase::InOp;
  std::uint32_t op = 0;        // the op it is in or has just done
  bool until_gone = false;     // at an until's boundary: its check's result
  const GState* st = nullptr;  // once started: its state and its frames
  const std::vector<Frame>* frames = nullptr;
  GState init;                             // not started: the state it starts with
  const std::vector<Op>* body = nullptr;   // ... and the body it runs
  // InSyscall: hashes what the op's remaining code reads of its locals (`sys_ctx`, on the
  // goroutine's stack until the phase ends), and the M whose thread made the call.
  const void* sys_ctx = nullptr;
  void (*sys_hash)(const void*, rt::StateHasher&) = nullptr;
  std::int64_t sys_m = -1;
};

bool any_local(const std::vector<Op>& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.local || any_local(op.body); });
}

bool shares(StateKind k) { return os::info(k).on_clone == os::Inheritance::Shares; }

// A named namespace: from `unshare as`, `get as` (with an fd, usable by setns) or `exec as`
// (identity only).
struct NamedNs {
  std::shared_ptr<os::NsHandle> handle;
  os::StateValue id;
  StateKind kind = StateKind::Net;
};

void walk(const std::vector<Op>& ops, unsigned& mask) {
  for (const auto& op : ops) {
    if (op.kind == OpKind::Unshare || op.kind == OpKind::Setns || op.kind == OpKind::Get ||
        op.kind == OpKind::Expect || op.kind == OpKind::Chdir || op.kind == OpKind::Setuid ||
        op.kind == OpKind::Setgid || op.kind == OpKind::Setaffinity || op.kind == OpKind::Setnice)
      mask |= 1u << os::index(op.ns);
    walk(op.body, mask);
  }
}

// Unshares of `kind` that really call the kernel (not an injected failure) in `ops`, a repeat's
// body counted `times` times; saturates at `cap`.
long count_unshares(const std::vector<Op>& ops, StateKind kind, long cap) {
  long n = 0;
  for (const auto& op : ops) {
    if (op.kind == OpKind::Unshare && op.ns == kind && op.fail_errno == 0) ++n;
    if (op.kind == OpKind::Repeat || op.kind == OpKind::Until) n += std::min(cap, op.n) * count_unshares(op.body, kind, cap);
    else n += count_unshares(op.body, kind, cap);
    if (n >= cap) return cap;
  }
  return n;
}

trace::KindIndex kind_index(StateKind k) { return static_cast<trace::KindIndex>(os::index(k)); }

class Interpreter final : public rt::ProgramState {
 public:
  explicit Interpreter(const Scenario& sc) : sc_(sc), ids_(sc), mask_(observed_kinds(sc)) {
    local_names_ = any_local(sc.main);
    for (const auto& [name, body] : sc.functions) local_names_ = local_names_ || any_local(body);
  }

  // rt::ProgramState: what the exhaustive search's state fingerprints need of the program
  // (harness/runtime/fingerprint.hpp, docs/scheduler.md §Pruning).
  Position goroutine(std::int64_t goid, rt::StateHasher& h) const override;
  void program(rt::StateHasher& h) const override;
  void goroutines(std::vector<const rt::G*>& out) const override {
    for (const auto& [name, c] : chans_) rt::goroutines_of(*c, out);
    for (const auto& [name, w] : wgs_) rt::goroutines_of(*w, out);
  }
  void threads(std::vector<std::int64_t>& out) const override {
    for (const auto& [name, t] : threads_) out.push_back(t.m);
    // The thread a goroutine in the kernel made its call on: its own M while in the call;
    // listed so that one the structure no longer reaches is still numbered (conservatively, in
    // goid order: that can only keep two states apart, never merge two).
    for (const auto& [goid, p] : gpos_)
      if (p.phase == Phase::InSyscall) out.push_back(p.sys_m);
  }
  std::uint64_t value_class(StateKind k, const os::StateValue& v) const override {
    if (v == first_origin_[os::index(k)]) return 0;
    const auto it = made_.find({os::index(k), v});
    return it != made_.end() ? 1 + it->second : ~0ull;
  }

  void main_body() {
    origin_share_ = rt::current_m_snapshot().share;  // the process's own fs struct
    read_origin();
    GState st;
    for (auto k : os::kAllKinds) st.belief[os::index(k)] = origin_[os::index(k)].id;
    st.share = origin_share_;
    const Live live(live_, &st);
    run_ops(sc_.main, st);
  }

 private:
  // The beliefs of every goroutine still running: a process-wide change (AllThreadsSyscall)
  // is what every author now expects. Registered for a G's lifetime (Goexit unwinds too).
  struct Live {
    Live(std::set<GState*>& set, GState* st) : set_(set), st_(st) { set_.insert(st_); }
    ~Live() { set_.erase(st_); }
    Live(const Live&) = delete;
    Live& operator=(const Live&) = delete;
    std::set<GState*>& set_;
    GState* st_;
  };

  // Where a system call ran: its thread and what that thread was in at the end of the call,
  // and the baton's handoff count just after that reading (read_is_own).
  struct Caller {
    trace::MId m = trace::kNoM;
    std::int32_t tid = 0;
    os::StateSet state{};
    std::uint64_t handoffs = 0;
  };
  // Whether `c`'s reading is also the current thread's state now: the op is back on the M
  // that made the call, and the baton has not changed hands since the reading, so no other M
  // ran and this thread ran only the runtime's exitsyscall, which makes no state syscall. The
  // step's own-thread observation is then that reading, not a second read of the same
  // kernel value (an expect was three reads of one link in a row; a third of a schedule's
  // /proc reads in cni-do-restore-ok).
  static bool read_is_own(const Caller& c) {
    return c.m == static_cast<trace::MId>(rt::current_mid()) && c.handoffs == rt::baton_handoffs();
  }

  // main reads the state it starts in, the origin every report compares with, as a Go program
  // does before its first statement of interest: an open of /proc/thread-self/ns/KIND per
  // observed kind (netns.Get), each a system call through entersyscall. At GOMAXPROCS=1 sysmon
  // may retake main's P during one (retake -> handoffp starts an M for it); exitsyscall then
  // finds no P and exitsyscall0 queues main globally, so main goes on on another thread and M0
  // is idle, free for any goroutine, before main's first op.
  void read_origin() {
    for (auto k : os::kAllKinds) {
      if ((mask_ & (1u << os::index(k))) == 0) continue;  // a scenario pays only for its kinds
      auto h = std::make_shared<os::NsHandle>();
      (void)in_syscall([&] {
        if (auto r = os::open_current(k, *h); !r.ok()) rt::fatal("cannot open origin: " + r.message());
      });
      origin_[os::index(k)] = NamedNs{h, h->id, k};
      first_origin_[os::index(k)] = h->id;
    }
  }

  // An OS thread a `tid` named: its tid, and the M the runtime says it is.
  struct NamedThread {
    pid_t tid = 0;
    std::int64_t m = -1;
  };

  // `call`, `repeat` and `until` push a frame on an explicit stack rather than recursing: a G
  // runs on a small fiber stack, and one native frame per level let a chain of a few hundred
  // calls overflow it. (Goexit unwinds through here as an exception, so the vector is freed.)
  void run_ops(const std::vector<Op>& ops, GState& st) {
    std::vector<Frame> frames{Frame{&ops, 0, 1}};
    const std::int64_t goid = rt::current_goid();
    GPos& pos = gpos_[goid];
    pos.phase = Phase::InOp;
    pos.st = &st;
    pos.frames = &frames;
    st.pos = &pos;
    struct Forget {  // the goroutine is done (returned, or Goexit unwinding)
      std::map<std::int64_t, GPos>& m;
      std::int64_t goid;
      ~Forget() { m.erase(goid); }
    } forget{gpos_, goid};
    while (!frames.empty()) {
      Frame& top = frames.back();
      if (top.next == top.body->size()) {
        if (top.until != nullptr && until_check(*top.until, st, top.until->n - top.rounds_left + 1)) {
          frames.pop_back();  // the condition holds: the loop ends early
        } else if (--top.rounds_left > 0) {
          top.next = 0;
        } else {
          frames.pop_back();
        }
        continue;
      }
      const Op& op = (*top.body)[top.next++];
      pos.phase = Phase::InOp;
      pos.op = op.id;
      if (op.kind == OpKind::Call) {
        step(op, st);
        frames.push_back(Frame{&sc_.functions.at(op.name), 0, 1});
      } else if (op.kind == OpKind::Repeat) {
        frames.push_back(Frame{&op.body, 0, op.n});
      } else if (op.kind == OpKind::Until) {
        frames.push_back(Frame{&op.body, 0, op.n, &op});
      } else {
        exec(op, st);
      }
    }
  }

  const NamedNs& resolve(const std::string& name, StateKind kind, const Op& op) {
    if (name == kOrigin) return origin_[os::index(kind)];
    auto it = names_.find(name);
    if (it == names_.end())
      rt::fatal("panic: " + op.loc.str() + ": namespace \"" + name + "\" is not defined yet (" +
                op.label + ")");
    return it->second;
  }

  // The name `op` means for the goroutine `st`: a "$i" replaced by its spawn occurrence.
  static const std::string& name_of(const Op& op, GState& st) {
    if (!op.local) return op.name;
    st.local_name = op.name;
    char n[16];
    const int len = std::snprintf(n, sizeof n, "%d", st.occurrence);
    for (std::size_t at; (at = st.local_name.find(scenario::kLocalMark)) != std::string::npos;)
      st.local_name.replace(at, 2, n, static_cast<std::size_t>(len));
    return st.local_name;
  }

  // Channels and WaitGroups by the name the goroutine means; the trace's object id and a
  // channel's capacity are the written name's (every c$i is one declared channel).
  rt::Chan& chan(const Op& op, GState& st) {
    const std::string& n = name_of(op, st);
    auto& c = chans_[n];
    if (!c) {
      const auto cap = sc_.chans.find(op.name);
      c = std::make_unique<rt::Chan>(n, ids_.object_id(op.name), cap != sc_.chans.end() ? cap->second : 0);
    }
    return *c;
  }
  rt::WaitGroup& wg(const Op& op, GState& st) {
    const std::string& n = name_of(op, st);
    auto& w = wgs_[n];
    if (!w) w = std::make_unique<rt::WaitGroup>(n, ids_.object_id(op.name));
    return *w;
  }

  // The op event's common part: which op, which G, on which M.
  trace::Op begin(const Op& op, const GState& st) const {
    trace::Op ev;
    ev.op = op.id;
    ev.g = rt::current_goid();
    ev.m = static_cast<trace::MId>(rt::current_mid());
    ev.tid = rt::current_tid();
    ev.inherit = st.inherit;
    ev.kind = kind_index(op.ns);
    return ev;
  }

  // How much of the kernel an op's step reads (rt::Observe): every task after the ops that can
  // change a thread's state — namespace and state syscalls (failed ones too), exec; a clone or
  // a thread exit an op causes is the runtime's own event, which reads every task itself —
  // and only the op's own thread after any other.
  static rt::Observe observation(OpKind k) {
    switch (k) {
      case OpKind::Unshare:
      case OpKind::Setns:
      case OpKind::Chdir:
      case OpKind::Setuid:  // under go1.16 AllThreadsSyscall it changes every thread
      case OpKind::Setgid:
      case OpKind::Setaffinity:
      case OpKind::Setnice:
      case OpKind::Exec: return rt::Observe::All;
      default: return rt::Observe::Own;
    }
  }

  // One traced step: the op, where it ran, what the thread is in (`now`: read here, unless
  // the op read it in its call; `now_is_own`: that reading is this thread's now, read_is_own),
  // what the G believes, with the kernel's view of it.
  void step(trace::Op ev, const GState& st, const os::StateSet* now = nullptr, bool now_is_own = false) {
    ev.locked = rt::current_locked();
    const os::StateSet here = now != nullptr ? *now : kernel_state();
    trace::Slots<trace::Record, os::kStateKinds> attached;
    std::size_t n = 0;
    for (auto k : os::kAllKinds)
      if (mask_ & (1u << os::index(k)))
        attached[n++] = trace::encode(trace::OpState{kind_index(k), here[os::index(k)], st.belief[os::index(k)]},
                                      trace::kAttachedFlag);
    const Op* op = ids_.op(ev.op);
    const rt::Observe observe = op != nullptr ? observation(op->kind) : rt::Observe::All;
    // Read here, on this thread, just now: the recorder's own-thread read is this one.
    if (observe == rt::Observe::Own && (now == nullptr || now_is_own))
      rt::EmitOwnRead(trace::encode(ev), std::span(attached.data(), n), here);
    else
      rt::Emit(trace::encode(ev), std::span(attached.data(), n), observe);
    rt::OpDone(ev.op);
    if (st.pos != nullptr) {
      st.pos->phase = Phase::AtBoundary;
      st.pos->op = ev.op;
    }
    rt::Checkpoint();
    if (st.pos != nullptr) st.pos->phase = Phase::InOp;
  }
  void step(const Op& op, const GState& st) { step(begin(op, st), st); }

  void exec(const Op& op, GState& st) {
    switch (op.kind) {
      case OpKind::Lock: {
        rt::LockOSThread();
        const auto ls = rt::CurrentLockState();
        auto ev = begin(op, st);
        ev.lockedExt = ls.lockedExt;
        ev.wired = ls.wired;
        step(ev, st);
        break;
      }
      case OpKind::Unlock: {
        const bool before = rt::CurrentLockState().wired;
        rt::UnlockOSThread();
        const auto ls = rt::CurrentLockState();
        auto ev = begin(op, st);
        ev.lockedExt = ls.lockedExt;
        ev.wired = ls.wired;
        ev.released = before && !ls.wired && !rt::current_m_lockedg();
        step(ev, st);
        break;
      }
      case OpKind::Unshare: return do_unshare(op, st);
      case OpKind::Setns: return do_setns(op, st);
      case OpKind::Get: {  // netns.Get: open(2) of the thread's /proc entry
        auto h = std::make_shared<os::NsHandle>();
        const Caller c = in_syscall(st, [&] {
          if (auto r = os::open_current(op.ns, *h); !r.ok()) rt::fatal("panic: " + r.message());
        }, [&](rt::StateHasher& x) { x.add_value(op.ns, h->id); });  // the rest: h->id (and h, a handle)
        names_[name_of(op, st)] = NamedNs{h, h->id, op.ns};
        auto ev = begin(op, st);
        ev.value = h->id;
        ev.observe = true;
        step_at(ev, st, c);
        break;
      }
      case OpKind::Expect: {  // netns.Get and Equal: the read is a system call too
        const NamedNs& want = resolve(name_of(op, st), op.ns, op);
        os::StateValue seen;
        os::StateSet known{};
        // The rest reads `want` (a names_ or origin_ entry: the program's, hashed) and `seen`.
        const Caller c = in_syscall(st, [&] { known[os::index(op.ns)] = seen = os::current_value(op.ns); },
                                    [&](rt::StateHasher& x) { x.add_value(op.ns, seen); }, false, &known);
        auto ev = begin(op, st);
        ev.value = want.id;
        ev.observed = seen;
        ev.match = seen == want.id;
        ev.observe = true;
        step_at(ev, st, c);
        break;
      }
      case OpKind::Exec: return do_exec(op, st);
      case OpKind::Go: return do_go(op, st);
      case OpKind::Call:
      case OpKind::Repeat:
      case OpKind::Until:
        rt::fatal("internal error: run_ops runs call, repeat and until bodies itself");
      case OpKind::Tid: {  // syscall.Gettid is a raw syscall: no entersyscall, the P stays
        threads_[name_of(op, st)] = NamedThread{rt::current_tid(), rt::current_mid()};
        step(op, st);
        break;
      }
      case OpKind::Send:
        in_call(st, [&] { chan(op, st).send(); });
        step(op, st);
        break;
      case OpKind::Recv: {
        bool ok = false;
        in_call(st, [&] { ok = chan(op, st).recv(); });
        auto ev = begin(op, st);
        ev.ok = ok;
        step(ev, st);
        break;
      }
      case OpKind::Close:
        chan(op, st).close();
        step(op, st);
        break;
      case OpKind::WgAdd:
        wg(op, st).Add(op.n);
        step(op, st);
        break;
      case OpKind::WgDone:
        wg(op, st).Done();
        step(op, st);
        break;
      case OpKind::WgWait:
        in_call(st, [&] { wg(op, st).Wait(); });
        step(op, st);
        break;
      case OpKind::Yield:
        in_call(st, [] { rt::Gosched(); });
        step(op, st);
        break;
      case OpKind::Syscall: return do_syscall(op, st);
      case OpKind::Sleep:
        in_call(st, [&] { rt::Sleep(op.n); });
        step(op, st);
        break;
      case OpKind::Exit:
        step(op, st);
        rt::Goexit();
      case OpKind::Chdir: return do_chdir(op, st);
      case OpKind::Setuid:
      case OpKind::Setgid: return do_setid(op, st);
      case OpKind::Setaffinity: return set_numeric(op, st, os::set_affinity(op.cpus));
      case OpKind::Setnice: return set_numeric(op, st, os::set_nice(static_cast<int>(op.n)));
      case OpKind::TestForbiddenSyscall:
        // personality(0xffffffff) only queries, so even unfiltered it changes nothing; the
        // allowlist does not name it, so the sandbox stops the child here.
        ::syscall(SYS_personality, 0xffffffffUL);
        step(op, st);
        break;
    }
  }

  // A runtime call that may park the goroutine and then returns into its op's step with
  // nothing but what the runtime holds (G::param): a position a fingerprint covers.
  template <class F>
  static void in_call(GState& st, F&& f) {
    if (st.pos != nullptr) st.pos->phase = Phase::InCall;
    f();
    if (st.pos != nullptr) st.pos->phase = Phase::InOp;
  }

  // until's check after pass `pass` of its body: is the thread its cond names gone? The kernel
  // answers (os::task_gone reads /proc/self/task/<tid>/stat, as Go's tests do, inside a syscall
  // as os.ReadFile is), and the runtime's record of that M must agree where it knows: an M it
  // has not seen exit cannot be gone, and one it has joined cannot be there. The event carries
  // the watched tid and the pass; the last pass with the thread still there is the until-max
  // verdict (the scenario's max reached), after which the program goes on past the loop.
  bool until_check(const Op& op, GState& st, std::int64_t pass) {
    const std::string& name = name_of(op, st);
    const auto it = threads_.find(name);
    if (it == threads_.end())
      rt::fatal("panic: " + op.loc.str() + ": until " + op.label + ": thread \"" + name +
                "\" has not been recorded by a tid yet");
    const NamedThread t = it->second;
    os::TaskGone seen;
    os::SysResult r;
    const Caller c = in_syscall([&] { r = os::task_gone(t.tid, seen); });
    if (!r.ok()) rt::fatal("panic: " + op.loc.str() + ": " + r.message());
    rt::allm_snapshot(ms_);
    for (const auto& m : ms_) {
      if (m.id != t.m) continue;
      if (seen.gone && !m.exited)
        rt::fatal("internal error: " + op.label + ": the kernel says thread " + std::to_string(t.tid) + " (" + m.label() +
                  ") is gone, the runtime that it still runs");
      if (!seen.gone && m.joined)
        rt::fatal("internal error: " + op.label + ": the runtime joined " + m.label() + " but /proc shows thread " +
                  std::to_string(t.tid) + " in state " + std::string(1, seen.state));
    }
    auto ev = begin(op, st);
    ev.value = os::StateValue{static_cast<std::uint64_t>(t.tid), static_cast<std::uint64_t>(pass)};
    ev.child = t.m;
    ev.ok = seen.gone;
    if (st.pos != nullptr) st.pos->until_gone = seen.gone;  // what run_ops does after the step
    step_at(ev, st, c);
    return seen.gone;
  }

  // A numeric kind changed on this thread only (its syscall was `r`): a failure is the
  // program's panic, as `if err != nil { panic(err) }` would make it.
  void set_numeric(const Op& op, GState& st, const os::SysResult& r) {
    if (!r.ok()) rt::fatal("panic: " + op.loc.str() + ": " + r.message());
    const os::StateValue now = os::current_value(op.ns);
    rt::NoteThreadNs(op.ns, now);
    st.belief[os::index(op.ns)] = now;
    auto ev = begin(op, st);
    ev.value = now;
    step(ev, st);
  }

  // syscall.Setuid/Setgid: per thread before go1.16, every thread from go1.16
  // (AllThreadsSyscall); `raw` is the per-thread setresuid/setresgid under every policy.
  void do_setid(const Op& op, GState& st) {
    const auto id = static_cast<std::uint32_t>(op.n);
    if (op.raw) return set_numeric(op, st, os::set_ids_raw(op.ns, id));
    if (!rt::AllThreadsSyscallPolicy()) return set_numeric(op, st, os::set_id(op.ns, id));
    const os::SysResult r =
        rt::AllThreadsSyscall(op.ns, os::set_id_trap(op.ns), static_cast<long>(id), 0, 0, os::set_id_call(op.ns, id, false));
    if (!r.ok()) rt::fatal("panic: " + op.loc.str() + ": " + r.message());
    // The whole process moved: that is its state from now on, so "origin" and every running
    // goroutine's belief follow (nothing is left behind to leak).
    const os::StateValue now = os::current_value(op.ns);
    origin_[os::index(op.ns)].id = now;
    for (GState* g : live_) g->belief[os::index(op.ns)] = now;
    auto ev = begin(op, st);
    ev.value = now;
    ev.all_threads = true;
    step(ev, st);
  }

  // chdir(2) moves the fs struct, shared by every thread that has not unshared CLONE_FS
  // since it was cloned from one that shares it: the runtime's bookkeeping moves them all.
  void do_chdir(const Op& op, GState& st) {
    os::StateValue now;
    std::int64_t moved_share = 0;
    const Caller c = in_syscall(st, [&] {
      if (auto r = os::sys_result(::chdir(op.name.c_str()), [&] { return "chdir(" + op.name + ")"; }); !r.ok())
        rt::fatal("panic: " + op.loc.str() + ": " + r.message());
      now = os::current_value(StateKind::Fs);
      rt::NoteThreadNs(StateKind::Fs, now);
      moved_share = rt::current_m_snapshot().share[os::index(StateKind::Fs)];
    }, [&](rt::StateHasher& x) {
      x.add_value(StateKind::Fs, now);
      x.add(static_cast<std::uint64_t>(moved_share));
    });
    // Every goroutine that believes it is on the fs struct this chdir moved sees the new cwd
    // (the threads sharing it are moved by NoteThreadNs above).
    const std::size_t fs = os::index(StateKind::Fs);
    for (GState* g : live_)
      if (g->share[fs] == moved_share) g->belief[fs] = now;
    st.belief[fs] = now;
    auto ev = begin(op, st);
    ev.value = now;
    step_at(ev, st, c);
  }

  // What else the kernel changed with `kind` on this thread (unshare(CLONE_NEWNS) unshares
  // the fs struct; setns(CLONE_NEWNS) moves the cwd to the new namespace's root): read back.
  static void note_implied(StateKind kind, bool unshared) {
    for (auto other : os::kAllKinds) {
      if (other == kind || !(os::unshare_implies(kind, other))) continue;
      const os::StateValue now = os::current_value(other);
      unshared ? rt::NoteThreadUnshared(other, now) : rt::NoteThreadNs(other, now);
    }
  }

  void do_unshare(const Op& op, GState& st) {
    os::SysResult r;
    std::array<std::int64_t, os::kStateKinds> unshared_share{};
    auto h = std::make_shared<os::NsHandle>();
    // The rest reads r, h (its id; a handle either way) and unshared_share. h->id's class is
    // still "none" here (made_ records it below): the op's id, hashed, says which it becomes.
    const Caller c = in_syscall(st, [&] {
      r = os::unshare_state(op.ns, op.fail_errno);
      if (!r.ok()) return;
      if (auto o = os::open_current(op.ns, *h); !o.ok()) rt::fatal("panic: " + o.message());
      rt::NoteThreadUnshared(op.ns, h->id);
      note_implied(op.ns, true);
      unshared_share = rt::current_m_snapshot().share;
    }, [&](rt::StateHasher& x) {
      hash_result(x, r);
      x.add_value(op.ns, h->id);
      for (auto sh : unshared_share) x.add(static_cast<std::uint64_t>(sh));
    });
    if (!r.ok()) return syscall_failed(op, st, r, c);
    made_[{os::index(op.ns), h->id}] = op.id;
    st.belief[os::index(op.ns)] = h->id;
    // The thread now has a struct of its own for the shared kinds the unshare covered (fs,
    // and fs with mnt): the author believes it is on that one.
    for (auto k : os::kAllKinds)
      if (shares(k) && (k == op.ns || os::unshare_implies(op.ns, k))) st.share[os::index(k)] = unshared_share[os::index(k)];
    if (!op.name.empty()) names_[name_of(op, st)] = NamedNs{h, h->id, op.ns};
    auto ev = begin(op, st);
    ev.value = h->id;
    step_at(ev, st, c);
  }

  void do_setns(const Op& op, GState& st) {
    const NamedNs& target = resolve(name_of(op, st), op.ns, op);
    if (!target.handle)
      rt::fatal("panic: " + op.loc.str() + ": \"" + op.name +
                "\" was reported by an exec'd process and cannot be entered");
    if (target.kind != op.ns)
      rt::fatal("panic: " + op.loc.str() + ": \"" + op.name + "\" is a " +
                os::kind_name(target.kind) + " namespace, not " + os::kind_name(op.ns));
    // The author believes the switch happened either way: netns.Set's error is the one
    // netlink-style code ignores (H9), which is exactly the hazard.
    st.belief[os::index(op.ns)] = target.id;
    os::SysResult r;
    // The rest reads r and `target` (a names_ or origin_ entry: the program's, hashed; its fd
    // number goes only into a failure's trace event, which no verdict or class reads).
    const Caller c = in_syscall(st, [&] {
      r = os::set_ns(*target.handle, op.fail_errno);
      if (!r.ok()) return;
      rt::NoteThreadNs(op.ns, target.id);
      note_implied(op.ns, false);
    }, [&](rt::StateHasher& x) { hash_result(x, r); });
    if (!r.ok()) return syscall_failed(op, st, r, c, target.handle->fd.get());
    auto ev = begin(op, st);
    ev.value = target.id;
    step_at(ev, st, c);
  }

  // A failed namespace syscall: injected ones are observations (the program goes on, as code
  // that ignores the error does); any other is the program's panic, with the errno explained.
  void syscall_failed(const Op& op, GState& st, const os::SysResult& r, const Caller& c, int fd = -1) {
    if (op.fail_errno == 0 || r.err != op.fail_errno) rt::fatal("panic: " + r.message());
    rt::NoteNsFailure();
    auto ev = begin(op, st);
    ev.result = trace::OpResult::Injected;
    ev.err = r.err;
    ev.fd = fd;
    step_at(ev, st, c);
  }

  void do_go(const Op& op, GState& st) {
    GState child;
    for (auto k : os::kAllKinds) child.belief[os::index(k)] = origin_[os::index(k)].id;
    child.share = origin_share_;
    if (op.inherit) {
      child.belief = st.belief;
      child.share = st.share;
      child.inherit = true;
    }
    child.occurrence = ++spawned_[op.name];
    const auto& body = sc_.functions.at(op.name);
    rt::FailNewM(op.fail_errno != 0);  // only an M this spawn allocates (wakep -> startm -> newm)
    const auto goid = rt::Go([this, child, &body]() mutable {
                               const Live live(live_, &child);
                               run_ops(body, child);
                             }, op.name,
                             ids_.function_id(op.name));
    rt::FailNewM(false);
    GPos& pos = gpos_[goid];  // not started: it runs `body` from `child` (rt::Go never switches)
    pos.phase = Phase::NotStarted;
    pos.init = child;
    pos.body = &body;
    auto ev = begin(op, st);
    ev.child = goid;
    step(ev, st);
  }

  // exec.Command(...).Output() as os/exec runs it. Start forks from the calling thread (the
  // child starts in that thread's state) and, stdout being a pipe, starts a copier goroutine;
  // Wait blocks in wait4 (a syscall that waits: sysmon usually retakes the P meanwhile), then
  // receives the copier's result on a channel. The copier is parked in the netpoller until the
  // pipe is at EOF, which the child's exit causes (here: once wait4 has returned). Between the
  // fork and the receive the goroutine may come back on another thread, so consecutive execs
  // of one goroutine may fork from different threads. The child reports every state kind the
  // scenario observes (os/exec_probe.hpp): the op's attached states are the child's, so the
  // analysis sees each kind it inherited (exec-inherited per kind), `value` its net namespace.
  void do_exec(const Op& op, GState& st) {
    auto child = std::make_shared<os::ProbeChild>();
    os::SysResult r;
    Caller c = in_syscall([&] { r = os::probe_start(mask_, *child); });
    if (!r.ok()) rt::fatal("panic: " + r.message());
    auto readable = std::make_shared<rt::Chan>("exec stdout");  // the netpoller's wake-up
    auto errch = std::make_shared<rt::Chan>("exec errch");
    rt::Go([child, readable, errch] {
      (void)readable->recv();
      rt::Syscall([&] {
        if (auto rr = os::probe_read(*child); !rr.ok()) rt::fatal("panic: " + rr.message());
      });
      errch->send();
    }, scenario::kExecCopier, ids_.exec_copier_id());
    rt::Syscall([&] { r = os::probe_wait(*child); }, rt::SyscallLength::Waits);
    if (!r.ok()) rt::fatal("panic: " + r.message());
    readable->close_from_netpoll();
    (void)errch->recv();
    os::StateSet reported{};
    if (auto rr = os::probe_result(*child, reported); !rr.ok()) rt::fatal("panic: " + rr.message());
    for (auto k : os::kAllKinds)
      if (mask_ & (1u << os::index(k))) c.state[os::index(k)] = reported[os::index(k)];
    const os::StateValue value = reported[os::index(StateKind::Net)];
    if (!op.name.empty()) names_[name_of(op, st)] = NamedNs{nullptr, value, StateKind::Net};
    auto ev = begin(op, st);
    ev.kind = kind_index(StateKind::Net);
    ev.value = value;
    ev.observe = true;
    step_at(ev, st, c);  // the op belongs to the thread that forked; its states are the child's
  }

  // `syscall` is entersyscall (the P stays unless sysmon retakes it), with "blocking" it is
  // entersyscallblock (handed off at once). The observation belongs to the calling thread.
  void do_syscall(const Op& op, GState& st) {
    const Caller c = in_syscall(
        st,
        [] {
          const timespec zero{0, 0};
          (void)::ppoll(nullptr, 0, &zero, nullptr);  // the call itself, for real
        },
        [](rt::StateHasher&) {},  // the rest reads only c
        op.blocking);
    auto ev = begin(op, st);
    ev.resumed_m = ev.m;  // the G may resume on another M: the op belongs to the caller's
    ev.m = c.m;
    ev.tid = c.tid;
    ev.observe = true;
    step(ev, st, &c.state, read_is_own(c));
  }

  static void hash_result(rt::StateHasher& h, const os::SysResult& r) {
    h.add(static_cast<std::uint64_t>(r.err));  // its text only names the call, for a panic
  }

  Caller here(const os::StateSet& known = {}) const {
    // Braced initialisers run in order: the handoff count is taken after the reading.
    return {static_cast<trace::MId>(rt::current_mid()), rt::current_tid(), kernel_state(known), rt::baton_handoffs()};
  }

  // An op that is a system call in Go runs between entersyscall and exitsyscall: sysmon may
  // retake the P meanwhile, and the G may resume on another M. `body` runs on the calling
  // thread (bookkeeping of the M's state included), and the op belongs to that thread.
  template <class F>
  Caller in_syscall(F&& body) {
    Caller c;
    rt::Syscall([&] {
      body();
      c = here();
    });
    return c;
  }
  // The same for an op of goroutine `st` whose code after the call reads, of its locals, only
  // the Caller and what `locals` hashes: from the end of `body` until the call returns, the
  // goroutine is at a position a fingerprint covers (Phase::InSyscall; docs/scheduler.md
  // §Pruning, "In the kernel"). `blocking`: entersyscallblock (the `syscall` op's "blocking").
  // `known`: kinds `body` itself read on this thread, last thing (here() takes them as read).
  template <class F, class V>
  Caller in_syscall(GState& st, F&& body, const V& locals, bool blocking = false, const os::StateSet* known = nullptr) {
    Caller c;
    const InKernel<V> k{&c, &locals};
    const auto call = [&] {
      body();
      c = known != nullptr ? here(*known) : here();
      entered_kernel(st, k);
    };
    if (blocking) {
      rt::BlockingSyscall(call);
    } else {
      rt::Syscall(call);
    }
    left_kernel(st);
    return c;
  }
  // What an op in the kernel vouches for: the Caller and the locals its remaining code reads.
  template <class V>
  struct InKernel {
    const Caller* c;
    const V* locals;
    static void hash(const void* p, rt::StateHasher& h) {
      const auto* k = static_cast<const InKernel*>(p);
      h.add_m(k->c->m);  // its tid is that M's thread's
      // The thread's state at the call, and what the op read of it (a test's switch leaves
      // out thread states, these with the Ms').
      if ((rt::fingerprint_leave_out & rt::kLeaveOutThreadStates) != 0) return;
      h.add_state(k->c->state);
      (*k->locals)(h);
    }
  };
  template <class V>
  static void entered_kernel(GState& st, const InKernel<V>& k) {
    if (st.pos == nullptr) return;
    st.pos->phase = Phase::InSyscall;
    st.pos->sys_m = k.c->m;
    st.pos->sys_ctx = &k;
    st.pos->sys_hash = &InKernel<V>::hash;
  }
  static void left_kernel(GState& st) {
    if (st.pos == nullptr) return;
    st.pos->phase = Phase::InOp;
    st.pos->sys_ctx = nullptr;
    st.pos->sys_hash = nullptr;
  }
  // The op's event, attributed to the thread that made its call (and where the G resumed,
  // when that is another M).
  void step_at(trace::Op ev, const GState& st, const Caller& c) {
    if (ev.m != c.m) ev.resumed_m = ev.m;
    ev.m = c.m;
    ev.tid = c.tid;
    step(ev, st, &c.state, read_is_own(c));
  }

  // The calling thread's value of every observed kind; those `known` holds valid were read
  // by the caller on this thread just now, with nothing in between (expect's own read).
  os::StateSet kernel_state(const os::StateSet& known = {}) const {
    os::StateSet now{};
    for (auto k : os::kAllKinds)
      if (mask_ & (1u << os::index(k)))
        now[os::index(k)] = known[os::index(k)].valid() ? known[os::index(k)] : os::current_value(k);
    return now;
  }

  const Scenario& sc_;
  Ids ids_;
  unsigned mask_;
  std::array<NamedNs, os::kStateKinds> origin_;
  std::array<std::int64_t, os::kStateKinds> origin_share_{};  // the fs struct main started on
  std::map<std::string, NamedNs> names_;
  std::map<std::string, NamedThread> threads_;  // tid's names
  std::vector<rt::MSnapshot> ms_;               // until's cross-check (reused)
  std::map<std::string, int> spawned_;  // function -> goroutines spawned so far (for "$i")
  std::set<GState*> live_;
  std::map<std::string, std::unique_ptr<rt::Chan>> chans_;
  std::map<std::string, std::unique_ptr<rt::WaitGroup>> wgs_;
  bool local_names_ = false;  // some op names a "$i" (a goroutine's occurrence is read)
  std::map<std::int64_t, GPos> gpos_;  // every goroutine of the program that has not ended
  std::array<os::StateValue, os::kStateKinds> first_origin_{};  // origin as the run began
  std::map<std::pair<std::size_t, os::StateValue>, std::uint32_t> made_;  // (kind, value) -> the unshare's op id
};

// `occurrence` is read only by "$i" names (name_of): where the scenario has none, goroutines
// of one function differ in nothing else, and swapping two of them is no change.
void hash_gstate(rt::StateHasher& h, const GState& st, bool occurrence_matters) {
  if ((rt::fingerprint_leave_out & rt::kLeaveOutBeliefs) == 0)
    for (auto k : os::kAllKinds) h.add_value(k, st.belief[os::index(k)]);
  for (auto sh : st.share) h.add(static_cast<std::uint64_t>(sh));
  h.add(occurrence_matters ? static_cast<std::uint64_t>(st.occurrence) : 0);
  h.add(st.inherit);
}


// A body by its first op's id (ids are unique in a scenario), the same in every run.
std::uint64_t body_id(const std::vector<Op>* body) {
  return body->empty() ? reinterpret_cast<std::uintptr_t>(body) : (*body)[0].id;
}

rt::ProgramState::Position Interpreter::goroutine(std::int64_t goid, rt::StateHasher& h) const {
  const auto it = gpos_.find(goid);
  if (it == gpos_.end()) return Position::Uncovered;  // not the interpreter's (exec's copier)
  const GPos& p = it->second;
  h.add(static_cast<std::uint64_t>(p.phase));
  if (p.phase == Phase::NotStarted) {
    hash_gstate(h, p.init, local_names_);
    h.add(body_id(p.body));
    return Position::NotStarted;
  }
  if (p.phase == Phase::InOp || p.st == nullptr || p.frames == nullptr) return Position::Uncovered;
  h.add(p.op);
  const Op* op = ids_.op(p.op);
  if (op != nullptr && op->kind == OpKind::Until) h.add(p.until_gone);
  h.add(p.frames->size());
  for (const Frame& f : *p.frames) {
    h.add(body_id(f.body));
    h.add(f.next);
    h.add(static_cast<std::uint64_t>(f.rounds_left));
    h.add(f.until != nullptr ? f.until->id : ~0u);
  }
  hash_gstate(h, *p.st, local_names_);
  if (p.phase == Phase::InSyscall) {
    if (p.sys_hash == nullptr) return Position::Uncovered;
    p.sys_hash(p.sys_ctx, h);
    return Position::InSyscall;
  }
  return p.phase == Phase::AtBoundary ? Position::AtBoundary : Position::InCall;
}

void Interpreter::program(rt::StateHasher& h) const {
  for (auto k : os::kAllKinds) h.add_value(k, origin_[os::index(k)].id);
  for (auto sh : origin_share_) h.add(static_cast<std::uint64_t>(sh));
  h.add(names_.size());
  for (const auto& [name, ns] : names_) {
    h.add_bytes(name.data(), name.size());
    h.add(os::index(ns.kind));
    h.add_value(ns.kind, ns.id);
    h.add(ns.handle != nullptr);
  }
  h.add(threads_.size());
  for (const auto& [name, t] : threads_) {  // the tid is the M's thread's: the M says it
    h.add_bytes(name.data(), name.size());
    h.add_m(t.m);
  }
  h.add(spawned_.size());
  for (const auto& [name, n] : spawned_) {
    h.add_bytes(name.data(), name.size());
    h.add(static_cast<std::uint64_t>(n));
  }
  h.add(chans_.size());
  for (const auto& [name, c] : chans_) {
    h.add_bytes(name.data(), name.size());
    rt::hash_into(h, *c);
  }
  h.add(wgs_.size());
  for (const auto& [name, w] : wgs_) {
    h.add_bytes(name.data(), name.size());
    rt::hash_into(h, *w);
  }
}

}  // namespace

unsigned observed_kinds(const Scenario& sc) {
  unsigned mask = 1u;
  walk(sc.main, mask);
  for (const auto& [name, body] : sc.functions) walk(body, mask);
  return mask;
}

int unshare_estimate(const Scenario& sc, StateKind kind, int cap) {
  long n = count_unshares(sc.main, kind, cap);
  for (const auto& [name, body] : sc.functions) n += count_unshares(body, kind, cap);
  return static_cast<int>(std::min<long>(n, cap));
}

void run_scenario(const Scenario& sc, const rt::Policy& policy, rt::Strategy* strategy,
                  rt::Tracer& tracer) {
  static std::unique_ptr<Interpreter> interp;  // lives until the process exits
  interp = std::make_unique<Interpreter>(sc);
  rt::set_program_state(interp.get());
  rt::Config cfg;
  cfg.policy = policy;
  cfg.strategy = strategy;
  cfg.tracer = &tracer;
  cfg.procs = sc.procs;
  cfg.idle_threads = sc.idle_threads;
  rt::run_main(cfg, [] { interp->main_body(); });
}

}  // namespace nsleak::interp
