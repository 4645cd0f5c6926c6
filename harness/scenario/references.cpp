#include "harness/scenario/references.hpp"

#include <algorithm>
#include <charconv>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {

References::References() { namespaces_.add(kOrigin); }

void References::define_function(const std::string& name) { functions_.add(name); }

void References::define_namespace(const std::string& name) { namespaces_.add(name); }

void References::use_function(const std::string& name, Location loc) {
  uses_.push_back(Use{true, name, std::move(loc)});
}

void References::use_namespace(const std::string& name, Location loc) {
  uses_.push_back(Use{false, name, std::move(loc)});
}

void References::define_thread(const std::string& name, const std::string& label, Location loc) {
  threads_.add(name);
  thread_defs_.push_back(ThreadRef{name, label, std::move(loc)});
}

void References::use_thread(const std::string& name, const std::string& label, Location loc) {
  thread_uses_.push_back(ThreadRef{name, label, std::move(loc)});
}

namespace {

// A label "fn#3.0.2" as its function and index path: one goroutine runs a body's ops in
// path order, and a path that extends another is inside that op's body.
struct LabelPath {
  std::string fn;
  std::vector<int> path;
};
LabelPath label_path(const std::string& label) {
  LabelPath out;
  const auto hash = label.rfind('#');
  out.fn = label.substr(0, hash);
  for (std::size_t at = hash + 1; at < label.size();) {
    int n = 0;
    const auto [end, ec] = std::from_chars(label.data() + at, label.data() + label.size(), n);
    out.path.push_back(n);
    at = static_cast<std::size_t>(end - label.data()) + 1;  // past the '.'
  }
  return out;
}

// `def` runs only after the until `use` has made its first check: same function, after it in
// path order, and not inside its body (the body runs before the check).
bool only_after(const LabelPath& use, const LabelPath& def) {
  if (use.fn != def.fn) return false;
  const bool inside = def.path.size() > use.path.size() && std::equal(use.path.begin(), use.path.end(), def.path.begin());
  return !inside && def.path > use.path;
}

}  // namespace

void References::check_threads() const {
  for (const auto& use : thread_uses_) {
    if (!threads_.set.count(use.name)) {
      std::string hint = unknown_name_hint(use.name, threads_.in_order, "recorded:");
      if (hint.empty()) hint = " (a thread is named by {\"op\": \"tid\", \"as\": " + quote(use.name) + "})";
      throw ParseError(use.loc, "undefined thread " + quote(use.name) + hint);
    }
    const LabelPath at = label_path(use.label);
    const ThreadRef* later = nullptr;
    bool earlier = false;
    for (const auto& def : thread_defs_) {
      if (def.name != use.name) continue;
      if (only_after(at, label_path(def.label))) {
        if (later == nullptr) later = &def;
      } else {
        earlier = true;
      }
    }
    if (!earlier && later != nullptr)
      throw ParseError(use.loc, "thread " + quote(use.name) + " is waited for here (" + use.label +
                                    ") before any tid records it: its tid, " + later->label + " (line " +
                                    std::to_string(later->loc.line) + "), comes later in the same body");
  }
}

void References::check() const {
  for (const auto& use : uses_) {
    const Names& defined = use.is_function ? functions_ : namespaces_;
    if (defined.set.count(use.name)) continue;
    const char* what = use.is_function ? "undefined function " : "undefined namespace ";
    throw ParseError(use.loc, what + quote(use.name) +
                                  unknown_name_hint(use.name, defined.in_order, "defined:"));
  }
  check_threads();
}

}  // namespace nsleak::scenario
