#include "harness/scenario/scenario.hpp"

#include <array>

namespace nsleak::scenario {
namespace {

// Indexed by OpKind; the order is the enum's declaration order.
constexpr std::array<const char*, 20> kOpNames{
    "lock",    "unlock", "unshare", "setns",  "get",     "go",      "call",
    "send",    "recv",   "close",   "wg_add", "wg_done", "wg_wait", "yield",
    "syscall", "sleep",  "exec",    "expect", "repeat",  "exit",
};
static_assert(kOpNames.size() == static_cast<std::size_t>(OpKind::Exit) + 1,
              "kOpNames must name every OpKind");

}  // namespace

std::string Location::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

const char* op_name(OpKind k) { return kOpNames[static_cast<std::size_t>(k)]; }

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names(kOpNames.begin(), kOpNames.end());
  return names;
}

}  // namespace nsleak::scenario
