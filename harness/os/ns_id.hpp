// NsId: the identity of a namespace, (device, inode) of its nsfs file.
//
// Namespaces are compared by identity, never by path or fd number (systemd, bubblewrap do the
// same). The string form mirrors vishvananda/netns's UniqueId: "NS(4:4026531992)".
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace nsleak::os {

struct NsId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;

  bool valid() const { return ino != 0; }
  auto operator<=>(const NsId&) const = default;
  std::string str() const;  // "dev:ino"; "?" when invalid
  static NsId parse(const std::string& s);  // inverse of str(); invalid on bad input
};

}  // namespace nsleak::os
