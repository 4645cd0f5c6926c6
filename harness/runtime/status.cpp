// The only writers of G, P and M status (Go's casgstatus and friends). Each change names the
// status it expects to leave; a mismatch is a broken runtime invariant, reported by throw_
// with the full G/M/P dump, never silently overwritten.
#include <string>

#include "harness/runtime/sched.hpp"
#include "harness/trace/names.hpp"

namespace nsleak::rt {
namespace {

// Cold: only the failure builds a string, so the check costs a compare on the switch path.
[[noreturn, gnu::cold, gnu::noinline]] void bad_transition(const char* fn, const std::string& who,
                                                            const char* is, const char* from,
                                                            const char* to) {
  throw_(std::string(fn) + ": " + who + " is " + is + ", expected " + from + " (to " + to + ")");
}

}  // namespace

void bad_gstatus(const G* gp, GStatus from, GStatus to) {
  bad_transition("casgstatus", gp->label(), gstatus_name(gp->status), gstatus_name(from), gstatus_name(to));
}

void caspstatus(P* pp, PStatus from, PStatus to) {
  if (pp->status != from)
    bad_transition("caspstatus", "p" + std::to_string(pp->id), pstatus_name(pp->status),
                   pstatus_name(from), pstatus_name(to));
  pp->status = to;
}

void casmstatus(M* mp, MStatus from, MStatus to) {
  if (mp->status != from)
    bad_transition("casmstatus", mp->label(), mstatus_name(mp->status), mstatus_name(from),
                   mstatus_name(to));
  mp->status = to;
}

const char* gstatus_name(GStatus st) {
  switch (st) {
    case GStatus::Runnable: return "runnable";
    case GStatus::Running: return "running";
    case GStatus::Syscall: return "syscall";
    case GStatus::Waiting: return "waiting";
    case GStatus::Dead: return "dead";
  }
  return "?";
}

const char* pstatus_name(PStatus st) {
  switch (st) {
    case PStatus::Idle: return "idle";
    case PStatus::Running: return "running";
  }
  return "?";
}

const char* mstatus_name(MStatus st) {
  switch (st) {
    case MStatus::Running: return "running";
    case MStatus::Spinning: return "spinning";
    case MStatus::Idle: return "idle";
    case MStatus::Parked: return "parked";
    case MStatus::Wedged: return "wedged";
    case MStatus::Exited: return "exited";
  }
  return "?";
}

std::string G::waitreason_text() const {
  std::string s = trace::wait_name(waitreason);
  if (waitobj != nullptr) s += " " + *waitobj;
  return s;
}

}  // namespace nsleak::rt
