// NsNames: people read names, not inode numbers. Every state identity of a run gets the name
// the scenario gave it ("origin", or the `as` of the get/unshare/exec that produced it), as
// the text story, the JSON prose and the timeline show it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"

namespace nsleak::reports {

// A state value as the kernel prints it: "net:[4026532178]", the readlink of /proc/<tid>/ns/net
// and what lsns shows (kind name, inode in brackets); "?" when unknown. Every text report
// writes ids through this one function; JSON keeps "dev:ino".
std::string kernel_id(trace::KindIndex kind, const trace::StateValue& v);

class NsNames {
 public:
  explicit NsNames(const runner::RunReport& r);
  // "origin", the `as` name, or "" when the scenario never named it.
  std::string name(const trace::StateValue& v) const;
  // "net:[4026532247] newNs"
  std::string show(trace::KindIndex kind, const trace::StateValue& v) const;
  // "net:[4026532247] (newNs)" when annotating and named, else "net:[4026532247]".
  std::string id(trace::KindIndex kind, const trace::StateValue& v, bool annotate) const;

 private:
  std::map<trace::StateValue, std::string> names_;
};

}  // namespace nsleak::reports
