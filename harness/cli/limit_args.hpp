// The run limits a user can raise from `run` and `test`: --trace-records N (the trace buffer's
// capacity, in 128-byte records) and --memory-limit MIB (the sandbox child's resident set).
// A run that reaches one ends with outcome `limit`, whose message names the option. Both are
// bounded so that the shared mapping and the parent's decoding of a full buffer stay within
// reach of the machine (README, Reliability). --timeout is timeout_arg.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>

#include "harness/sandbox/sandbox.hpp"
#include "harness/trace/buffer.hpp"

namespace nsleak::cli {

inline constexpr std::size_t kMinTraceRecords = 1024;
inline constexpr std::size_t kMaxTraceRecords = trace::kMaxTraceRecords;
inline constexpr std::size_t kMinMemoryLimitMb = 64;
inline constexpr std::size_t kMaxMemoryLimitMb = std::size_t{1} << 20;  // 1 TiB

struct LimitArgs {
  std::size_t trace_records = trace::kDefaultTraceRecords;
  std::size_t memory_limit_mb = sandbox::kDefaultMemoryLimitMb;
};

// Adds --trace-records and --memory-limit to `cmd`, stored in `limits`.
void add_limit_options(CLI::App* cmd, LimitArgs& limits);
// Into a run's sandbox options.
void apply(const LimitArgs& limits, sandbox::SandboxOptions& opt);

}  // namespace nsleak::cli
