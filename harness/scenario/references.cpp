#include "harness/scenario/references.hpp"

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

void References::check() const {
  for (const auto& use : uses_) {
    const Names& defined = use.is_function ? functions_ : namespaces_;
    if (defined.set.count(use.name)) continue;
    const char* what = use.is_function ? "undefined function " : "undefined namespace ";
    throw ParseError(use.loc, what + quote(use.name) +
                                  unknown_name_hint(use.name, defined.in_order, "defined:"));
  }
}

}  // namespace nsleak::scenario
