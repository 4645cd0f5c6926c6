// The per-thread namespace kinds nsleak moves threads between and observes.
#pragma once

#include <array>
#include <cstddef>

#include "harness/os/ns_id.hpp"

namespace nsleak::os {

enum class NsKind { Net, Uts };
inline constexpr std::size_t kNsKinds = 2;
inline constexpr std::array<NsKind, kNsKinds> kAllKinds{NsKind::Net, NsKind::Uts};

inline std::size_t index(NsKind k) { return static_cast<std::size_t>(k); }
int clone_flag(NsKind k);        // CLONE_NEWNET, CLONE_NEWUTS
const char* proc_name(NsKind k); // "net", "uts": the file under /proc/<tid>/ns/

// One identity per kind: the namespaces a thread is in.
using NsSet = std::array<NsId, kNsKinds>;

}  // namespace nsleak::os
