// StateValue: one thread's value of one state kind, as the kernel reports it.
//
// Fixed-size and trivially copyable (16 bytes) so that binary trace records can carry it by
// value. Namespaces store the identity of their nsfs entry, (st_dev, st_ino): they are compared
// by identity, never by path or fd number (systemd, bubblewrap do the same). The numeric kinds
// (state_ops.hpp writes and prints them) put a tag in major's top byte, 0x80 | the kind's row,
// so that no two kinds' values compare equal and all-zero stays the one "not read" value;
// below it: uid/gid: major = (filesystem id field << 32) | effective id (the field is 0 when the
// filesystem id is the effective one: state_ops.cpp ids_value), minor = (real << 32 | saved) + 1; affinity: the CPU
// mask (CPUs 0-63 in minor, 64-119 in major); nice: major = nice + 20, minor = 1. The string
// form mirrors vishvananda/netns's UniqueId: "4:4026531992".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <type_traits>

namespace nsleak::os {

struct StateValue {
  std::uint64_t major = 0;  // namespaces: st_dev of the nsfs entry
  std::uint64_t minor = 0;  // namespaces: st_ino

  bool valid() const { return major != 0 || minor != 0; }
  auto operator<=>(const StateValue&) const = default;
  std::string str() const;  // "major:minor"; "?" when invalid
  static StateValue parse(const std::string& s);  // inverse of str(); invalid on bad input
};

static_assert(std::is_trivially_copyable_v<StateValue> && sizeof(StateValue) <= 16,
              "trace records carry StateValue by value");

}  // namespace nsleak::os
