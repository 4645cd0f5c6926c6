// Ids: how the trace names a scenario's ops, functions and channels/WaitGroups.
//
// The child writes fixed-size records, so an op event carries the op's id, a new G its
// function's id and a park its channel's id; the parent, holding the same Scenario, turns
// them back into labels, lines and names. Ids are dense and deterministic: ops from 1 in the
// order main, then each function by name (0 is no op); functions from 1 by name (0 is main),
// then one past them the goroutine `exec` starts (os/exec's copier, kExecCopier); objects
// (channel and WaitGroup names) from 1 in name order (0 is none).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

// Numbers every op of `sc` (Op::id). The parser calls it; so must code that builds a
// Scenario by hand.
void assign_ids(Scenario& sc);

// The label of the goroutine exec.Command(...).Output() starts to copy the child's stdout
// (os/exec's Cmd.Start: `go func() { c.errch <- fn() }()`): "exec.copier#1", "exec.copier#2"...
// The '.' keeps it apart from every scenario function (identifiers have none).
inline constexpr const char* kExecCopier = "exec.copier";

class Ids {
 public:
  explicit Ids(const Scenario& sc);
  const Op* op(std::uint32_t id) const;  // nullptr if unknown
  std::uint32_t function_id(const std::string& name) const;  // kExecCopier included
  std::uint32_t exec_copier_id() const { return static_cast<std::uint32_t>(functions_.size()) + 1; }
  std::string function_name(std::uint32_t id) const;  // "main" for 0, "?" if unknown
  std::uint32_t object_id(const std::string& name) const;
  std::string object_name(std::uint32_t id) const;  // "" for 0 or unknown

 private:
  std::vector<const Op*> ops_;            // index = id
  std::vector<std::string> functions_;    // index = id - 1, sorted
  std::vector<std::string> objects_;      // index = id - 1, sorted
};

}  // namespace nsleak::scenario
