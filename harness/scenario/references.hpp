// Names used in one place and defined in another: functions named by `go`/`call`, namespaces
// named by `setns.to`/`expect.is` and defined by `as` on `unshare`, `get` or `exec`. A use may
// come before its definition in the file, so uses are collected while the ops are read and
// checked once the whole file has been read.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace nsleak::scenario {

class References {
 public:
  References();

  void define_function(const std::string& name);
  void define_namespace(const std::string& name);
  void use_function(const std::string& name, Location loc);
  void use_namespace(const std::string& name, Location loc);

  // Throws ParseError at the first use, in file order, of a name that nothing defines.
  void check() const;

 private:
  struct Use {
    bool is_function;
    std::string name;
    Location loc;
  };

  // A defined set of names: hashed for lookups (a scenario may define thousands of functions),
  // and in file order for suggestions.
  struct Names {
    std::unordered_set<std::string> set;
    std::vector<std::string> in_order;
    void add(const std::string& name) {
      if (set.insert(name).second) in_order.push_back(name);
    }
  };

  std::vector<Use> uses_;
  Names functions_;
  Names namespaces_;  // "origin" first
};

}  // namespace nsleak::scenario
