#include "harness/sandbox/fault_filter.hpp"

#include <cstring>

#include "harness/os/fault_injection.hpp"

namespace nsleak::sandbox {
namespace {

std::string fail(const char* what, int rc) { return std::string(what) + ": " + std::strerror(-rc); }

}  // namespace

std::string add_fault_rules(scmp_filter_ctx ctx) {
  for (std::size_t i = 0; i < os::kFaultErrnos.size(); ++i) {
    const auto err = SCMP_ACT_ERRNO(static_cast<unsigned>(os::kFaultErrnos[i]));
    const auto marker = static_cast<scmp_datum_t>(i + 1);
    // The marker is in the flag bits that neither call accepts (CSIGNAL), so an allowed call
    // never carries one and a marked call never reaches the kernel.
    int rc = seccomp_rule_add(ctx, err, SCMP_SYS(setns), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, os::kFaultMarkerMask, marker));
    if (rc < 0) return fail("seccomp_rule_add(setns fault)", rc);
    rc = seccomp_rule_add(ctx, err, SCMP_SYS(unshare), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, os::kFaultMarkerMask, marker));
    if (rc < 0) return fail("seccomp_rule_add(unshare fault)", rc);
  }
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<unsigned>(os::kNewThreadFaultErrno)), SCMP_SYS(clone), 1,
                                SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(os::kNewThreadFaultFlags)));
      rc < 0)
    return fail("seccomp_rule_add(clone fault)", rc);
  return {};
}

}  // namespace nsleak::sandbox
