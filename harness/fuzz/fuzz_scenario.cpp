// libFuzzer target: the scenario parser. Any input is either a Scenario or a located
// ParseError; anything else escaping (another exception, a crash, a sanitizer report) is a
// finding. Built and run by ci/fuzz.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/runtime/policy.hpp"
#include "harness/scenario/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nsleak::scenario::ParseOptions opts{
      nsleak::rt::policy_names(),
      {"poisoned-thread", "poisoned-main", "stale-belief", "lost-inheritance", "inherited-clone", "wedged-m0",
       "thread-exited", "exec-inherited"}};
  try {
    (void)nsleak::scenario::parse_scenario(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json",
                                           opts);
  } catch (const nsleak::scenario::ParseError&) {
  }
  return 0;
}
