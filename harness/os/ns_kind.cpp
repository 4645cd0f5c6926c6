#include "harness/os/ns_kind.hpp"

#include <sched.h>

namespace nsleak::os {

int clone_flag(NsKind k) { return k == NsKind::Net ? CLONE_NEWNET : CLONE_NEWUTS; }
const char* proc_name(NsKind k) { return k == NsKind::Net ? "net" : "uts"; }

}  // namespace nsleak::os
