// A report that says its run has not finished, in place of an older one (issue 12, item 8).
//
// Reports are replaced atomically at the end of a run (report_file.hpp), so a run that is
// killed (SIGKILL, the OOM killer, a CI job's timeout) never leaves half a report, but left
// alone it would leave the previous run's report, which reads exactly like a current one. So
// before a command starts its work, every report file it was asked for is atomically replaced
// by a short document of the report's own kind saying that nsleak has not finished writing
// it, with the command line, the start time and the pid; the finished report replaces it at
// the end. A killed run leaves the placeholder:
//   JSON   an object with "status": "incomplete" (and no "schema": no reader takes it for a report);
//   JUnit  a suite whose one test case is an <error>, so CI counts the run as failed;
//   HTML   a page saying so;
//   --events (which appends) the old lines kept, then one line {"status": "incomplete", ...}.
// "-" (standard output) and targets that are not regular files (/dev/full, a FIFO: they
// cannot be replaced, only written) get nothing until the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nsleak::cli {

enum class ReportKind { Json, JsonLines, JUnit, Html };

struct ReportTarget {
  const std::string* path;  // empty: not asked for
  ReportKind kind;
  std::string_view what;  // as write_report names it: "the suite report"
};

// At start-up: the command line the placeholders quote.
void set_command_line(int argc, const char* const* argv);

// Puts a placeholder at every target as above. kOk, or kBadInput after write_report's line
// for the first target that cannot be written (the command then stops before its work).
int begin_reports(const std::vector<ReportTarget>& targets);

// For an appended report (--events): how many bytes of the target are the earlier runs' lines
// (its size before begin_reports added its placeholder line); kAllOfIt when it added none.
std::uintmax_t lines_before(const std::string& path);

// The placeholder's text for `kind` (begin_reports writes it; tests read it).
std::string placeholder_text(ReportKind kind, std::string_view what);

}  // namespace nsleak::cli
