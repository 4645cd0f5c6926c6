// G: a goroutine — a stackful green thread that migrates between Ms.
//
// TLS rule: G code may resume on another OS thread after any call that can switch (park,
// yield, lock, syscall, channel ops, ...). Never keep a thread_local, errno, or the current M
// in a local across such a call: read the current M through getm() (not inlined) each time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "harness/os/ns_kind.hpp"
#include "harness/runtime/gcontext.hpp"

namespace nsleak::rt {

struct M;

enum class GStatus { Runnable, Running, Syscall, Waiting, Dead };
const char* gstatus_name(GStatus s);

struct G {
  std::int64_t goid = 0;
  std::string name;  // the function it runs ("main", "child", ...)
  GStatus status = GStatus::Runnable;
  std::unique_ptr<GContext> ctx;
  M* m = nullptr;        // the M running it, while running
  M* lockedm = nullptr;  // set by LockOSThread
  G* parent = nullptr;   // the G whose `go` created it (nullptr for main/system)
  bool is_main = false;
  bool is_system = false;
  std::string waitreason;     // why it is parked ("chan receive", "sleep", ...)
  std::int64_t param = 0;     // value handed over by the G that readied it (channels)
  std::int64_t wake_at = -1;  // virtual ms, while sleeping
  // The thread state when the current lock began (strict-unlock compares against it).
  os::NsSet locked_state{};
  bool restore_failed = false;  // last setns/unshare since the lock failed (restore-or-die)
  bool goexit_called = false;   // runtime.Goexit (main: the program continues without it)

  std::string label() const { return "g" + std::to_string(goid) + ":" + name; }
};

}  // namespace nsleak::rt
