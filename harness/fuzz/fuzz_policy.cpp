// libFuzzer target: the policy-file parser. Any input is a Policy or bad input (a located
// ParseError, rt::BadInput); anything else is a finding. Built and run by ci/fuzz.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/runtime/bad_input.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/policy_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)nsleak::scenario::parse_policy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const nsleak::scenario::ParseError&) {
  } catch (const nsleak::rt::BadInput&) {
  }
  return 0;
}
