// nsleak export --go FILE [-o DIR]: the scenario as a real Go program (reports/go_export.hpp),
// to stdout, or as DIR/main.go with a DIR/go.mod that lets `go build` run offline
// (GOFLAGS=-mod=mod GOPROXY=off: the standard library only).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "harness/cli/commands.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/scenario_loader.hpp"
#include "reports/go_export.hpp"

namespace nsleak::cli {
namespace {

struct ExportArgs {
  std::string file;
  std::string dir;
  bool go = false;
};

ExportArgs g_export;

int export_main(const ExportArgs& a) {
  if (!a.go) {
    std::cerr << "nsleak export: say which language: --go (the only one today)\n";
    return kBadInput;
  }
  const auto sc = load(a.file);
  const std::string program = reports::go_program(sc);  // an inexpressible op: exit 2, located
  if (a.dir.empty()) return write_report(std::string(kStdoutPath), program, "the Go program");
  if (::mkdir(a.dir.c_str(), 0777) != 0 && errno != EEXIST) {
    std::cerr << "nsleak: cannot create " << a.dir << ": " << std::strerror(errno) << "\n";
    return kBadInput;
  }
  int rc = write_report(a.dir + "/main.go", program, "the Go program");
  if (rc == kOk) rc = write_report(a.dir + "/go.mod", "module nsleak.invalid/" + sc.name + "\n\ngo 1.19\n", "go.mod");
  return rc;
}

}  // namespace

Command add_export(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a scenario as a real Go program (standard library and raw syscalls) "
                                           "that prints what each get/expect observes as JSON lines");
  cmd->add_option("file", g_export.file, "The scenario file (or a library scenario by name)")->required();
  cmd->add_flag("--go", g_export.go, "As one Go main.go with GOMAXPROCS = the scenario's procs");
  cmd->add_option("-o,--output", g_export.dir, "Write DIR/main.go and DIR/go.mod (default: main.go to stdout)");
  return [] { return export_main(g_export); };
}

}  // namespace nsleak::cli
