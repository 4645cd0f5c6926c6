// Read-only introspection of the runtime's threads for the layers above it: the interpreter
// annotates each op with where it ran, and the sandbox's recorder cross-checks the runtime's
// bookkeeping against the kernel's task list. They read the M/G structs only through here, so
// sched.hpp, m.hpp and g.hpp stay private to the runtime (ci/check-layers enforces it).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::rt {

// m_label names an M as every message and the trace do: "m3".
std::string m_label(std::int64_t id);

// One M as the runtime's bookkeeping sees it, copied out (no pointer into the scheduler).
struct MSnapshot {
  std::int64_t id = 0;
  pid_t tid = 0;     // 0 until the thread has started
  trace::MRole role = trace::MRole::Startm;
  bool exited = false;  // the thread has returned (mexit)
  bool joined = false;  // pthread_join done: its task is gone from /proc
  os::StateSet ns{};    // what the kernel should report for the thread, per state kind
  // For a kind threads share (Inheritance::Shares: the cwd), which shared struct the thread is
  // on: Ms with the same id move together (the interpreter's beliefs follow it too).
  std::array<std::int64_t, os::kStateKinds> share{};
  std::string label() const { return m_label(id); }
};

// allm_snapshot copies every M ever made, exited ones included, in creation order (Go's allm),
// into `out` (cleared first; reuse it and a snapshot allocates nothing once it has grown).
void allm_snapshot(std::vector<MSnapshot>& out);

// The current M's bookkeeping, copied out (the recorder's cross-check of an Own observation).
MSnapshot current_m_snapshot();

// The current M and G (read fresh each call: a G may migrate between calls, see g.hpp's TLS
// rule). current_goid/current_mid are in runtime.hpp.
pid_t current_tid();
const std::string& current_gname();
// current_m_lockedg: the current M is locked to some G (m.lockedg set) — after an unlock, false
// means the thread is free to run any goroutine.
bool current_m_lockedg();

}  // namespace nsleak::rt
