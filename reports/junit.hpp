// JUnit XML from a suite report: one <testcase> per scenario x policy, the mismatch as the
// <failure> message, the narrated story as <system-out>. Built from the suite JSON (not from
// live runs) so that `nsleak merge` can write it for shards run on other machines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nsleak::reports {

std::string junit_xml(const nlohmann::json& suite);

}  // namespace nsleak::reports
