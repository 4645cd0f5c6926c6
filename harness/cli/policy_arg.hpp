// Checking a --policy / --substitute argument before anything runs: a preset name, or the path
// of a JSON policy file that exists. A typo is bad input (exit 2) with a did-you-mean, never a
// run that silently selects nothing.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nsleak::cli {

// The policy's name (a preset's, or the JSON file's `name`). Throws rt::BadInput
// ("unknown policy \"go1.13\" (did you mean \"go1.12\"?)") or rt::PolicyError (a bad file).
std::string check_policy(const std::string& name_or_path, const std::string& option);

// --substitute NAME=POLICY...: NAME's expectations, run under POLICY. Both checked.
std::map<std::string, std::string> parse_substitutes(const std::vector<std::string>& subs);

}  // namespace nsleak::cli
