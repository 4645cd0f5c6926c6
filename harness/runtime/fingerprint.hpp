// State fingerprints for the exhaustive search's state cache (docs/scheduler.md §Pruning).
//
// At a choice point the search may skip a subtree whose state it has already explored with at
// least as many deviations left. That is sound only if the fingerprint covers everything the
// rest of the run depends on. So a fingerprint is given only at *quiescent* points, where every
// thread's and goroutine's continuation is determined by data this file and the interpreter
// hash (never by a native stack):
//   - the choice is a `preempt` at Checkpoint (the asking M's G is at an op boundary), or a
//     `retake` asked inside Syscall (the asking M's G in the kernel, below);
//   - every other M sleeps on its note at one of the sites below, or is ready inside
//     Checkpoint with its G at an op boundary, or ready at a syscall site (M::sys_site) with
//     its G in the kernel, or has exited;
//   - every live goroutine is at a position the program (the interpreter) can name: not
//     started, at an op boundary, parked in a channel/WaitGroup/sleep/yield call, or in the
//     kernel inside an op's system call whose remaining code the program vouches for.
// Anywhere else state_fingerprint() gives nothing and the search caches nothing there.
// Nothing here changes a scheduling decision: it only reads the scheduler's state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "harness/os/state_kind.hpp"
#include "harness/os/state_value.hpp"
#include "harness/runtime/strategy.hpp"

namespace nsleak::rt {

class Chan;
struct G;
struct M;
class WaitGroup;

// 128 bits: two independently mixed lanes, so that an accidental collision (which would merge
// two different states) is out of reach for any exploration's number of states.
struct Fingerprint {
  std::uint64_t a = 0, b = 0;
  bool operator==(const Fingerprint&) const = default;
};

class StateHasher;

// What the program above the runtime (the interpreter) adds: each goroutine's position and
// data, its own state, and which values name the same namespace across runs.
class ProgramState {
 public:
  // InSyscall: in the kernel inside an op's system call once the call is made, the locals the
  // op's remaining code reads hashed by the program.
  enum class Position { Uncovered, NotStarted, AtBoundary, InCall, InSyscall };
  virtual ~ProgramState() = default;
  // Hashes goroutine `goid`'s position and data; Uncovered if the fingerprint cannot cover it.
  virtual Position goroutine(std::int64_t goid, StateHasher& h) const = 0;
  // The Ms the program refers to by id (threads named by `tid`), in an order of its own that
  // does not depend on the ids.
  virtual void threads(std::vector<std::int64_t>& out) const = 0;
  // The goroutines it holds in wait lists (channels, WaitGroups: goroutines_of), in an order
  // of its own that does not depend on goids.
  virtual void goroutines(std::vector<const G*>& out) const = 0;
  // Hashes the program's own state (named namespaces and threads, channels, WaitGroups, ...);
  // an M through StateHasher::add_m.
  virtual void program(StateHasher& h) const = 0;
  // A namespace value's class, the same in every run: 0 for the kind's origin, 1 + the op id of
  // the unshare that made it, or ~0 for any other.
  virtual std::uint64_t value_class(os::StateKind k, const os::StateValue& v) const = 0;
};

class StateHasher {
 public:
  explicit StateHasher(const ProgramState* program) : program_(program) {}
  void add(std::uint64_t v);
  void add_bytes(const void* p, std::size_t n);
  // A thread state value: a namespace by its class and the order in which this fingerprint
  // first met it (the kernel's inode numbers differ between runs; equality is what the run
  // can observe), any other kind (cwd, ids, affinity, nice) by value, its start value by a mark.
  void add_value(os::StateKind k, const os::StateValue& v);
  void add_state(const os::StateSet& s);
  // An M by its place in the state's structure (set_m_numbering), not by its id.
  void add_m(std::int64_t id);
  void add_m(const M* m);
  void set_m_numbering(const std::vector<std::uint64_t>* canon) { m_canon_ = canon; }
  // A goroutine the same way (set_g_numbering), not by its goid.
  void add_g(const G* g);
  void set_g_numbering(const std::vector<std::uint64_t>* canon) { g_canon_ = canon; }
  Fingerprint done() const;

 private:
  const ProgramState* program_;
  const std::vector<std::uint64_t>* m_canon_ = nullptr;
  const std::vector<std::uint64_t>* g_canon_ = nullptr;
  std::uint64_t a_ = 0x9e3779b97f4a7c15ull, b_ = 0xc2b2ae3d27d4eb4full;
  std::map<std::pair<std::size_t, os::StateValue>, std::uint64_t> seen_;
  std::map<std::pair<std::size_t, std::uint64_t>, std::uint64_t> next_in_class_;
};

// A channel's and a WaitGroup's state (counts, closed, queued goroutines by goid).
void hash_into(StateHasher& h, const Chan& c);
void hash_into(StateHasher& h, const WaitGroup& w);

void goroutines_of(const Chan& c, std::vector<const G*>& out);
void goroutines_of(const WaitGroup& w, std::vector<const G*>& out);

// Tests only: groups of fields the fingerprint leaves out (0 in every real run), so that a test
// can show its fixture needs them: with one left out, states that differ in it merge and the
// pruned search loses a class the unpruned one finds.
// kNoInKernel is no field: it gives no fingerprint where a goroutine is in the kernel (the
// cache as it was before those points were covered), so that a test can show its pairs merge
// there.
enum FingerprintLeaveOut : unsigned { kLeaveOutThreadStates = 1u, kLeaveOutBeliefs = 2u, kNoInKernel = 4u };
extern unsigned fingerprint_leave_out;

// The program's part: set by the interpreter before run_main, for the run.
void set_program_state(const ProgramState* p);
// The state every kind started in (M0's, read as the run begins): add_value marks it.
void set_origin_state(const os::StateSet& s);

// The fingerprint of the state at choice `c`, for a Strategy's choose(): none unless the point
// is quiescent (above) and a program state is set.
std::optional<Fingerprint> state_fingerprint(const Choice& c);

}  // namespace nsleak::rt
