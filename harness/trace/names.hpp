// The names of the trace's enums, as reports, `--events` and state dumps write them.
#pragma once

#include <string_view>

#include "harness/trace/event.hpp"

namespace nsleak::trace {

const char* role_name(MRole r);           // "m0", "sysmon", "template", "pool", "startm", "inherit-spawn"
const char* via_name(CloneVia v);         // "direct", "template"
const char* fate_name(GExitFate f);       // "none", "pool", "wedge", "exit"
const char* choice_kind_name(ChoiceKind k);  // "run-m", "pick-g", "preempt", "startm", "steal",
                                             // "gosched", "wakep", "retake", "runtimer"
const char* source_name(GSource s);       // "runnext", "local", "global", "steal", "steal-runnext"
const char* action_name(PreemptAction a); // "continue", "yield-m", "preempt-g"
const char* gosched_taker_name(GoschedTaker t);  // "self", "other"
const char* wakep_action_name(WakePAction a);    // "run", "wait"
const char* retake_action_name(RetakeAction a);  // "keep", "retake"
// The name of action `detail` of a choice of kind `k` whose options are actions ("yield-m"),
// nullptr if `k` has no such action: the one table a new action-valued ChoiceKind extends.
const char* option_action_name(ChoiceKind k, std::uint8_t detail);
// The ChoiceKind named `name` ("pick-g"), false if none.
bool choice_kind_from_name(std::string_view name, ChoiceKind& out);
const char* wait_name(WaitReason w);      // "chan send", "chan receive", "sync.WaitGroup.Wait", "sleep"
const char* fault_name(FaultKind f);      // "throw", "fatal"
// The event's kind as `--events` names it ("op", "newm", "strict-unlock-kill", ...).
const char* event_name(const Body& b);

}  // namespace nsleak::trace
