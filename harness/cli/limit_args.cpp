#include "harness/cli/limit_args.hpp"

#include <string>

namespace nsleak::cli {

void add_limit_options(CLI::App* cmd, LimitArgs& limits) {
  cmd->add_option("--trace-records", limits.trace_records,
                  "Trace buffer capacity in records (128 bytes each; " + std::to_string(kMinTraceRecords) + ".." +
                      std::to_string(kMaxTraceRecords) + "); a run that fills it ends with outcome limit")
      ->check(CLI::Range(kMinTraceRecords, kMaxTraceRecords))
      ->capture_default_str();
  cmd->add_option("--memory-limit", limits.memory_limit_mb,
                  "MiB the sandbox child may keep resident (" + std::to_string(kMinMemoryLimitMb) + ".." +
                      std::to_string(kMaxMemoryLimitMb) + "); a run past it is stopped with outcome limit")
      ->check(CLI::Range(kMinMemoryLimitMb, kMaxMemoryLimitMb))
      ->capture_default_str();
}

void apply(const LimitArgs& limits, sandbox::SandboxOptions& opt) {
  opt.trace_records = limits.trace_records;
  opt.memory_limit_mb = limits.memory_limit_mb;
}

}  // namespace nsleak::cli
