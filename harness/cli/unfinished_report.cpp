#include "harness/cli/unfinished_report.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "harness/cli/exit_codes.hpp"
#include "harness/cli/report_file.hpp"
#include "harness/cli/reproduce.hpp"
#include "harness/scenario/utf8.hpp"
#include "reports/xml_text.hpp"

namespace nsleak::cli {
namespace {

constexpr std::string_view kHeadline = "nsleak did not finish writing this report";

struct Invocation {
  std::vector<std::string> argv;
  std::string started;  // UTC, ISO 8601
};

Invocation& invocation() {
  static Invocation inv;
  return inv;
}

// Appended reports that got a placeholder line: path -> the size before it.
std::map<std::string, std::uintmax_t>& kept_sizes() {
  static std::map<std::string, std::uintmax_t> m;
  return m;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  char buf[32] = "unknown";
  if (::gmtime_r(&t, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string command_line() {
  std::string s;
  for (const auto& a : invocation().argv) s += (s.empty() ? "" : " ") + shell_quote(a);
  return scenario::valid_utf8(s);
}

std::string explanation() {
  return "The run that writes it (pid " + std::to_string(::getpid()) + ", started " + invocation().started +
         ") is still going, or was killed before it finished: this is not its report, and the previous "
         "report it replaced was not current.";
}

nlohmann::json json_placeholder(std::string_view what) {
  nlohmann::json argv = nlohmann::json::array();
  for (const auto& a : invocation().argv) argv.push_back(scenario::valid_utf8(a));
  return {{"status", "incomplete"},
          {"message", std::string(kHeadline) + " (" + std::string(what) + "). " + explanation()},
          {"command", command_line()},
          {"argv", argv},
          {"started", invocation().started},
          {"pid", ::getpid()}};
}

}  // namespace

void set_command_line(int argc, const char* const* argv) {
  invocation().argv.assign(argv, argv + argc);
  if (!invocation().argv.empty()) invocation().argv.front() = "nsleak";  // the name, not the build path
  invocation().started = utc_now();
}

std::string placeholder_text(ReportKind kind, std::string_view what) {
  using reports::xml_escape;
  switch (kind) {
    case ReportKind::Json:
      return json_placeholder(what).dump(2) + "\n";
    case ReportKind::JsonLines:
      return json_placeholder(what).dump() + "\n";
    case ReportKind::JUnit: {
      const std::string headline = xml_escape(std::string(kHeadline), true);
      return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<testsuites name=\"nsleak\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
             "  <testsuite name=\"nsleak\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" timestamp=\"" +
             xml_escape(invocation().started, true) + "\">\n    <testcase classname=\"nsleak\" name=\"" + headline +
             "\">\n      <error type=\"incomplete\" message=\"" + headline + "\">" +
             xml_escape(explanation() + "\ncommand: " + command_line(), false) +
             "</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n";
    }
    case ReportKind::Html:
      return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + std::string(kHeadline) +
             "</title></head>\n<body><h1>" + std::string(kHeadline) + "</h1>\n<p>" + xml_escape(explanation(), false) +
             "</p>\n<pre>" + xml_escape(command_line(), false) + "</pre></body></html>\n";
  }
  return {};
}

int begin_reports(const std::vector<ReportTarget>& targets) {
  for (const auto& t : targets) {
    const std::string& path = *t.path;
    if (path.empty() || path == kStdoutPath) continue;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    // A device or FIFO is written once, at the end; a directory fails now, like a missing one.
    if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
    const std::string text = placeholder_text(t.kind, t.what);
    int rc = kOk;
    if (t.kind == ReportKind::JsonLines) {
      rc = append_report(path, [&](std::ostream& out) { out << text; }, t.what);
      if (rc == kOk) kept_sizes()[path] = exists ? static_cast<std::uintmax_t>(st.st_size) : 0;
    } else {
      rc = write_report(path, text, t.what);
    }
    if (rc != kOk) return rc;
  }
  return kOk;
}

std::uintmax_t lines_before(const std::string& path) {
  const auto it = kept_sizes().find(path);
  return it == kept_sizes().end() ? kAllOfIt : it->second;
}

}  // namespace nsleak::cli
