#include "harness/runtime/strategy.hpp"

#include "harness/runtime/bad_input.hpp"

namespace nsleak::rt {

std::unique_ptr<Strategy> make_strategy(const std::string& spec) {
  if (spec == "go-order") return std::make_unique<GoOrderStrategy>();
  if (spec.rfind("random:", 0) == 0) {
    const std::string seed = spec.substr(7);
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(seed, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == seed.size() && !seed.empty()) return std::make_unique<RandomStrategy>(v);
  }
  throw BadInput("unknown strategy \"" + spec + "\" (known: go-order, random:SEED)");
}

}  // namespace nsleak::rt
