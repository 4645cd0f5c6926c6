// JUnit XML from a suite report: one <testcase> per scenario x policy, the mismatch as the
// <failure> message, the narrated story as <system-out> (for non-passing cases only unless
// asked: the stories of a passing library are most of the file and nobody reads them). The
// classname is "nsleak." + the policy with dots as underscores ("nsleak.go1_12"), because
// Jenkins-style viewers split classnames at dots into packages. Built from the suite JSON (not from
// live runs) so that `nsleak merge` can write it for shards run on other machines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nsleak::reports {

struct JUnitOptions {
  bool passing_output = false;  // also write <system-out> for passing cases
};

std::string junit_xml(const nlohmann::json& suite, const JUnitOptions& opt = {});

}  // namespace nsleak::reports
