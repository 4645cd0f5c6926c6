#include "harness/sandbox/subordinate_ids.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string_view>

namespace nsleak::sandbox {
namespace {

// Inside ids 0..65535, as root's identity map: every id a scenario may name (uid out of range
// is the parser's error past that).
constexpr unsigned long kMaxSubordinate = 65535;

// The user's name from the passwd file, read directly: NSS in a fork of a multithreaded
// process is not safe, and newuidmap looks ranges up by this name (or by the number).
std::string user_name(uid_t uid, const std::string& etc) {
  std::ifstream in(etc + "/passwd");
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    const auto c = b == std::string::npos ? b : line.find(':', b + 1);
    if (c == std::string::npos) continue;
    if (line.substr(b + 1, c - b - 1) == std::to_string(uid)) return line.substr(0, a);
  }
  return "";
}

struct Range {
  unsigned long start = 0, count = 0;
};

// The first `name:start:count` (or `uid:start:count`) line of a subuid(5)-format file.
std::optional<Range> range_of(const std::string& path, const std::string& name, uid_t uid) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string who = line.substr(0, a);
    if (who != std::to_string(uid) && (name.empty() || who != name)) continue;
    try {
      Range r{std::stoul(line.substr(a + 1, b - a - 1)), std::stoul(line.substr(b + 1))};
      if (r.count > 0) return r;
    } catch (const std::exception&) {  // a malformed line is newuidmap's to refuse, not ours
    }
  }
  return std::nullopt;
}

std::string find_tool(const char* name) {
  for (std::string_view dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
    std::string path = std::string(dir) + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

}  // namespace

SubordinateMap plan_subordinate_map(uid_t uid, gid_t gid, const std::string& etc) {
  (void)gid;  // both files are keyed by the user; the caller's own gid is mapped to 0 as is
  SubordinateMap m;
  m.newuidmap = find_tool("newuidmap");
  m.newgidmap = find_tool("newgidmap");
  if (m.newuidmap.empty() || m.newgidmap.empty()) {
    m.why_not = "newuidmap/newgidmap are not installed (Debian's package uidmap; ci/setup installs it)";
    return m;
  }
  const std::string name = user_name(uid, etc);
  const std::string who = (name.empty() ? "uid " : "user " + name + " (uid ") + std::to_string(uid) +
                          (name.empty() ? "" : ")");
  const auto u = range_of(etc + "/subuid", name, uid);
  const auto g = range_of(etc + "/subgid", name, uid);
  if (!u || !g) {
    m.why_not = who + " has no subordinate range in " + etc + (!u ? "/subuid" : "/subgid") +
                " (add a line `" + (name.empty() ? std::to_string(uid) : name) +
                ":START:65536`, as ci/setup does for the tests' user)";
    return m;
  }
  m.uid_start = u->start;
  m.gid_start = g->start;
  m.count = std::min({u->count, g->count, kMaxSubordinate});
  return m;
}

}  // namespace nsleak::sandbox
