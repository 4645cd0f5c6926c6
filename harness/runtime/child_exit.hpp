// Exit statuses of the sandbox child: the process the runtime runs in. The runtime and the
// sandbox end it with these, and the parent reads them back into RunRecord::exit_code; the
// events in the trace say *why*, the status only which path ended the process. They live in
// the runtime, the lowest layer that ends the child, and are a different protocol from
// `nsleak`'s own exit codes (harness/cli/exit_codes.hpp), which a user's CI reads.
#pragma once

namespace nsleak::rt {

enum ChildExit : int {
  kChildExitOk = 0,          // main returned (Go's os.Exit(0)), or the sandbox body returned
  kChildExitFatal = 2,       // fatal(): the *program* crashed (deadlock, panic)
  kChildExitEnvError = 3,    // the sandbox could not be set up (an env-error event says why)
  kChildExitThrow = 4,       // throw(): a runtime invariant broke (a fault event has the dump)
  kChildExitTraceFull = 5,   // the shared trace buffer is full (the parent reports the overflow)
  kChildExitSandboxViolation = 6,  // a syscall the sandbox forbids (a sandbox-violation event says which)
  kChildExitLimit = 7,       // a run limit was reached (a limit fault event says which: run_limits.hpp)
};

}  // namespace nsleak::rt
