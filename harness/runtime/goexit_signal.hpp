// GoexitSignal: thrown by Goexit, caught only by gentry, so C++ destructors run as Go's
// deferred calls do. Code between must not swallow it (no catch (...) without rethrow).
// layer-private: the runtime's internals; other layers use runtime.hpp and threads.hpp.
#pragma once

namespace nsleak::rt {

struct GoexitSignal {};

}  // namespace nsleak::rt
