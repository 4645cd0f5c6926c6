// The run-time audit: the seccomp supervisor watches the model's own child (harness/observe),
// and every namespace syscall and thread clone the kernel saw must be one the runtime's trace
// logged, on the same thread — and the other way round. A difference means the trace does not
// describe what ran: a harness error (outcome error, exit 4), never a verdict.
#pragma once

#include <string>
#include <vector>

#include "harness/observe/kernel_log.hpp"
#include "harness/sandbox/notify_filter.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::runner {

// One line per difference ("the kernel saw no setns by tid 4243, which the trace logs for
// main#3"); empty when kernel and trace agree. Injected failures are not expected from the
// kernel: the fault filter's ERRNO outranks the notification, so the call never ran.
std::vector<std::string> audit_kernel_calls(const observe::KernelLog& kernel, const std::vector<trace::Event>& events,
                                            const scenario::Scenario& sc);

// The calls audit_kernel_calls counts: the run's child is notified of these only. Each other
// notified call (exit, exit_group, the set*id family, ...) would stop its caller for a
// supervisor round trip whose record nothing reads.
sandbox::NotifiedCalls audited_calls();

}  // namespace nsleak::runner
