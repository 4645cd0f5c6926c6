// NsNames: people read names, not inode numbers. Every namespace identity of a run gets the
// name the scenario gave it ("origin", or an `as`), as the text story and the timeline show it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/verdict/run_report.hpp"

namespace nsleak::reports {

class NsNames {
 public:
  explicit NsNames(const verdict::RunReport& r);
  // "origin", the `as` name, or "" when the scenario never named it.
  std::string name(const std::string& id) const;
  // "NS(4:4026532247) newNs"
  std::string show(const std::string& id) const;
  // Every raw "dev:ino" in `text` followed by its name: "4:4026532247 (newNs)".
  std::string annotate(std::string text) const;

 private:
  std::map<std::string, std::string> names_;
};

// The state kinds this run observed, in table order: those with a value at origin (the
// primary kind, net, always).
std::vector<os::StateKind> kinds_seen(const verdict::Analysis& a);

// Whether per-kind values ({"net": "4:1", "uts": ...}, as in a step's "ns" or a task row) are
// all at origin; a kind absent from `values` is not looked at, except the primary kind.
bool at_origin(const nlohmann::json& values, const verdict::KindValues& origins);

}  // namespace nsleak::reports
