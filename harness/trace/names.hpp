// The names of the trace's enums, as reports, `--events` and state dumps write them.
#pragma once

#include "harness/trace/event.hpp"

namespace nsleak::trace {

const char* role_name(MRole r);           // "m0", "sysmon", "template", "pool", "startm", "inherit-spawn"
const char* via_name(CloneVia v);         // "direct", "template"
const char* fate_name(GExitFate f);       // "none", "pool", "wedge", "exit"
const char* choice_kind_name(ChoiceKind k);  // "run-m", "pick-g", "preempt"
const char* source_name(GSource s);       // "runnext", "local", "global", "steal", "steal-runnext"
const char* action_name(PreemptAction a); // "continue", "yield-m", "preempt-g"
const char* wait_name(WaitReason w);      // "chan send", "chan receive", "sync.WaitGroup.Wait", "sleep"
const char* fault_name(FaultKind f);      // "throw", "fatal"
// The event's kind as `--events` names it ("op", "newm", "strict-unlock-kill", ...).
const char* event_name(const Body& b);

}  // namespace nsleak::trace
