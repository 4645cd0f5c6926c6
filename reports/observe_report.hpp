// The reports of `nsleak observe`: the text story (the syscall view `strace -f` would give, each
// thread's timeline, the verdicts) and its JSON document ("schema": "nsleak/observe/1").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/observe/observe_run.hpp"

namespace nsleak::reports {

std::string observe_story(const observe::Observation& o);
nlohmann::json observe_json(const observe::Observation& o);
// One notified call as strace prints it: "unshare(CLONE_NEWNET)", "setns(7<net:[4026532300]>, CLONE_NEWNET)".
std::string syscall_text(const observe::KernelEvent& ev);

}  // namespace nsleak::reports
