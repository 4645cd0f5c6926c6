// G: a goroutine — a stackful green thread that migrates between Ms.
//
// TLS rule: G code may resume on another OS thread after any call that can switch (park,
// yield, lock, syscall, channel ops, ...). Never keep a thread_local, errno, or the current M
// in a local across such a call: read the current M through getm() (not inlined) each time.
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "harness/os/state_kind.hpp"
#include "harness/runtime/gcontext.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::rt {

struct M;

// Legal changes, all through casgstatus (status.cpp): Runnable -> Running (execute);
// Running -> Runnable (Gosched, strict-unlock), Waiting (gopark), Syscall, Dead (goexit0);
// Waiting -> Runnable (ready); Syscall -> Running (got a P back), Runnable (exitsyscall0).
enum class GStatus { Runnable, Running, Syscall, Waiting, Dead };
const char* gstatus_name(GStatus s);

// Why a G is parked (Go's waitReason). With the object's name (G::waitobj) it reads as
// "chan receive c"; the text is built only when shown, never per park.
using trace::WaitReason;

struct G {
  std::int64_t goid = 0;
  std::string name;  // the function it runs ("main", "child", ...)
  GStatus status = GStatus::Runnable;  // written only by casgstatus
  std::unique_ptr<GContext> ctx;
  M* m = nullptr;        // the M running it, while running
  M* lockedm = nullptr;  // set by LockOSThread
  G* schedlink = nullptr;  // next G in the run queue it is on (gqueue.hpp)
  G* parent = nullptr;     // the G whose `go` created it (nullptr for main)
  bool is_main = false;
  // Its stable label (docs/scheduler.md §Labels): the tag of the function it runs (0: main)
  // and its spawn occurrence among the Gs of that function, from 1 ("child#2").
  std::uint32_t fn_tag = 0;
  std::uint32_t spawn = 0;
  WaitReason waitreason = WaitReason::None;  // why it is parked
  const std::string* waitobj = nullptr;      // the channel's or WaitGroup's name, while parked
  std::int64_t param = 0;     // value handed over by the G that readied it (channels)
  std::int64_t wake_at = -1;  // virtual µs (Sched::now_us), while sleeping
  // The thread state when the current lock began (strict-unlock compares against it).
  os::StateSet locked_state{};
  bool restore_failed = false;  // last setns/unshare since the lock failed (restore-or-die)
  bool goexit_called = false;   // runtime.Goexit (main: the program continues without it)

  std::string label() const { return "g" + std::to_string(goid) + ":" + name; }
  // "chan send c", "sleep", "" when not parked: for the park event and the state dump.
  std::string waitreason_text() const;
};

}  // namespace nsleak::rt
