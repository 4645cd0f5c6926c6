// The sandbox child's capabilities: only what the ops need.
//
// After the child has entered its namespaces (as root in the host's user namespace, or as root
// of its own user namespace), it keeps the capabilities in kKeptCapabilities — each for an op
// that needs it — and drops every other one from its effective, permitted and inheritable sets
// and from the bounding set; ambient capabilities are cleared, and SECBIT_NOROOT (locked) stops
// an exec'ed program (the exec op's probe) regaining any by being uid 0.
#pragma once

#include <string>

namespace nsleak::sandbox {

// Returns an error message, empty on success. The bounding set is reduced only where the
// process may (CAP_SETPCAP); the other sets always are.
std::string drop_capabilities();

// The capabilities kept, as "CAP_SYS_ADMIN|..." (for messages and tests).
std::string kept_capability_names();

}  // namespace nsleak::sandbox
