// A libseccomp filter as classic BPF: compiled once by libseccomp, loaded by many processes
// with seccomp(2) alone. libseccomp's rule database, its code generation and its probing of the
// kernel's API level cost a fresh sandbox child more than the kernel's own load (perf: about a
// quarter of a library run's CPU for the two filters), so run_sandboxed compiles each filter
// once per process and every child loads its copy.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace nsleak::sandbox {

// Exports the libseccomp context `ctx` (a scmp_filter_ctx) into `out`. Returns an error
// message, empty on success.
std::string export_bpf(void* ctx, std::vector<sock_filter>& out);

}  // namespace nsleak::sandbox
