// Names used in one place and defined in another: functions named by `go`/`call`, namespaces
// named by `setns.to`/`expect.is` and defined by `as` on `unshare`, `get` or `exec`, threads
// named by `until`'s `thread_gone` and recorded by `tid`'s `as`. A use may
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
  // Thread names: `label` is the op's ("main#3", "worker#1.0"), which orders a goroutine's ops.
  void define_thread(const std::string& name, const std::string& label, Location loc);
  void use_thread(const std::string& name, const std::string& label, Location loc);

  // Throws ParseError at the first use, in file order, of a name that nothing defines, or of a
  // thread name whose every tid comes later in the same body than the until that waits for it
  // (that until's first check could only ever find the name unrecorded).
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

  struct ThreadRef {
    std::string name, label;
    Location loc;
  };
  void check_threads() const;

  std::vector<Use> uses_;
  std::vector<ThreadRef> thread_defs_, thread_uses_;
  Names threads_;
  Names functions_;
  Names namespaces_;  // "origin" first
};

}  // namespace nsleak::scenario
