// Policy files: JSON that starts from a preset or another policy file and flips toggles,
//   {"name": "my-fix", "base": "go1.12", "toggles": {"strict_unlock": true}}
// read with the scenario parser's treatment: every error is a ParseError `file:line:col:
// message` (a wrong type, an unknown key or toggle with a did-you-mean, a cycle of "base"
// files named link by link). rt::Policy and the presets stay in the runtime; only the reading
// of files lives here, beside the located JSON it needs.
//
// A "base" that is a path is opened as given (relative to the working directory, as it always
// has been), not relative to the file that names it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runtime/policy.hpp"

namespace nsleak::scenario {

// A "base" chain longer than this is rejected at the "base" that exceeds it.
inline constexpr std::size_t kMaxPolicyBaseChain = 16;

// True for what is taken as a path rather than a preset name: it has a '/' or ends ".json".
bool names_policy_file(std::string_view name_or_path);

// The preset names in the order a did-you-mean should prefer them: ties go to the default
// (current Go), since "go1.13" most likely means go1.12, not go1.10.
std::vector<std::string> policy_names_for_hints();

// A preset by name, or a JSON policy file by path. Throws rt::PolicyError for a name that is
// neither a preset nor a path, ParseError for anything wrong with a file.
rt::Policy load_policy(const std::string& name_or_path);

// The policy in `text`, the contents of `file` (its "base" files are read from disk).
rt::Policy parse_policy(std::string_view text, const std::string& file);

}  // namespace nsleak::scenario
