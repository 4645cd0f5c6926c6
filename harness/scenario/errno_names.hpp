// The errno values a scenario may inject with `"fail"`: those setns(2) and unshare(2) can
// really return, so an injected failure is one a Go program could meet.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsleak::scenario {

// "EPERM", "EINVAL", ... in a fixed order (for suggestions and messages).
const std::vector<std::string>& injectable_errno_names();
std::optional<int> injectable_errno(std::string_view name);

}  // namespace nsleak::scenario
