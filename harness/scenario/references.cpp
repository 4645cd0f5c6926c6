#include "harness/scenario/references.hpp"

#include <algorithm>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

References::References() : namespaces_{kOrigin} {}

void References::define_function(const std::string& name) { functions_.push_back(name); }

void References::define_namespace(const std::string& name) {
  if (!contains(namespaces_, name)) namespaces_.push_back(name);
}

void References::use_function(const std::string& name, Location loc) {
  uses_.push_back(Use{true, name, std::move(loc)});
}

void References::use_namespace(const std::string& name, Location loc) {
  uses_.push_back(Use{false, name, std::move(loc)});
}

void References::check() const {
  for (const auto& use : uses_) {
    const auto& defined = use.is_function ? functions_ : namespaces_;
    if (contains(defined, use.name)) continue;
    const char* what = use.is_function ? "undefined function " : "undefined namespace ";
    throw ParseError(use.loc, what + quote(use.name) +
                                  unknown_name_hint(use.name, defined, "defined:"));
  }
}

}  // namespace nsleak::scenario
