#include "harness/cli/error_exit.hpp"

#include <exception>

#include "harness/cli/exit_codes.hpp"
#include "harness/runtime/bad_input.hpp"
#include "harness/scenario/parser.hpp"

namespace nsleak::cli {

int run_mapping_errors(const std::function<int()>& command, std::ostream& err) {
  try {
    return command();
  } catch (const scenario::ParseError& e) {  // already "file:line:col: message"
    err << e.what() << "\n";
    return kBadInput;
  } catch (const rt::BadInput& e) {
    err << "nsleak: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    err << "nsleak: internal error: " << e.what() << "\n";
    return kInternal;
  }
}

}  // namespace nsleak::cli
