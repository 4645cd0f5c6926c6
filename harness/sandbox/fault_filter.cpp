#include "harness/sandbox/fault_filter.hpp"

#include <seccomp.h>

#include <cstring>
#include <memory>

#include "harness/os/fault_injection.hpp"

namespace nsleak::sandbox {
namespace {

// libseccomp's context, owned (seccomp_release is its cleanup).
struct ReleaseFilter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterCtx = std::unique_ptr<void, ReleaseFilter>;

std::string fail(const char* what, int rc) { return std::string(what) + ": " + std::strerror(-rc); }

}  // namespace

std::string install_fault_filter() {
  FilterCtx ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return "seccomp_init failed";
  for (std::size_t i = 0; i < os::kFaultErrnos.size(); ++i) {
    const int err = os::kFaultErrnos[i];
    int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(static_cast<unsigned>(err)),
                              SCMP_SYS(setns), 1,
                              SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(os::kFaultFdBase + i)));
    if (rc < 0) return fail("seccomp_rule_add(setns)", rc);
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(static_cast<unsigned>(err)),
                          SCMP_SYS(unshare), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, os::kFaultUnshareMask,
                                  static_cast<scmp_datum_t>(i + 1)));
    if (rc < 0) return fail("seccomp_rule_add(unshare)", rc);
  }
  // libseccomp sets no_new_privs by default, which makes this work without privilege.
  if (int rc = seccomp_load(ctx.get()); rc < 0) return fail("seccomp_load", rc);
  return {};
}

}  // namespace nsleak::sandbox
