// Catch2 main for nsleak's tests, with a listener that counts tests skipped because this
// environment cannot run namespaces (Catch2 2.13 has no SKIP). ci/test reads the final
// "nsleak-skipped: N" line so skips are counted, never silent.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>

#include "harness/tests/support.hpp"

namespace {

struct SkipReporter : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override {
    std::cout << "nsleak-skipped: " << nsleak::test::skipped_count() << "\n";
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(SkipReporter)

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
