#include "reports/junit.hpp"

#include "reports/xml_text.hpp"

#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

namespace nsleak::reports {
namespace {

using nlohmann::json;

// The suite JSON may come from another machine (`nsleak merge`): read it without trusting its
// shape, so a missing or mistyped field is an empty value rather than a crash.
std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double num(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string text(const std::string& s) { return xml_escape(s, false); }
std::string attr(const std::string& s) { return xml_escape(s, true); }

// "go1.12" -> "go1_12": a classname that survives viewers splitting packages at dots.
std::string classname(const std::string& policy) {
  std::string c = "nsleak.";
  for (char ch : policy) c += ch == '.' ? '_' : ch;
  return c;
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
  return buf;
}

}  // namespace

std::string junit_xml(const json& suite, const JUnitOptions& opt) {
  // One <testsuite> per policy, so CI dashboards group the matrix naturally.
  std::map<std::string, std::vector<const json*>> by_policy;
  if (suite.is_object() && suite.contains("runs") && suite["runs"].is_array())
    for (const auto& r : suite["runs"]) {
      const std::string policy = str(r, "policy");
      by_policy[policy.empty() ? "?" : policy].push_back(&r);
    }
  long tests = 0, failures = 0, errors = 0, skips = 0;
  double total_ms = 0;
  std::ostringstream body;
  for (const auto& [policy, runs] : by_policy) {
    long f = 0, e = 0, sk = 0;
    double ms = 0;
    std::ostringstream cases;
    for (const json* r : runs) {
      const std::string outcome = str(*r, "outcome");
      const double t = r->is_object() && r->contains("stats") ? num((*r)["stats"], "wall_ms") : 0.0;
      ms += t;
      cases << "    <testcase classname=\"" << attr(classname(policy)) << "\" name=\"" << attr(str(*r, "scenario"))
            << "\" file=\"" << attr(str(*r, "file")) << "\" time=\"" << seconds(t) << "\">\n";
      const std::string reason = str(*r, "reason");
      const std::string detail = text(reason + "\nreproduce: " + str(*r, "reproduce"));
      if (r->is_object() && r->contains("environment_error")) {  // this machine cannot run it
        ++sk;
        cases << "      <skipped message=\"" << attr(reason) << "\"/>\n";
      } else if (outcome == "fail") {
        ++f;
        cases << "      <failure message=\"" << attr(reason) << "\" type=\"expectation\">" << detail
              << "</failure>\n";
      } else if (outcome != "pass") {
        ++e;
        cases << "      <error message=\"" << attr(reason) << "\" type=\"" << attr(outcome.empty() ? "?" : outcome)
              << "\">" << detail << "</error>\n";
      }
      if (outcome != "pass" || opt.passing_output)
        cases << "      <system-out>" << text(str(*r, "story")) << "</system-out>\n";
      cases << "    </testcase>\n";
    }
    tests += static_cast<long>(runs.size());
    failures += f;
    errors += e;
    skips += sk;
    total_ms += ms;
    body << "  <testsuite name=\"nsleak " << attr(policy) << "\" tests=\"" << runs.size() << "\" failures=\"" << f
         << "\" errors=\"" << e << "\" skipped=\"" << sk << "\" time=\"" << seconds(ms) << "\">\n"
         << cases.str() << "  </testsuite>\n";
  }
  // Scenario files that could not be loaded: one errored testcase each, so a dashboard that
  // only reads JUnit does not show a green run.
  if (suite.is_object() && suite.contains("invalid") && suite["invalid"].is_array() && !suite["invalid"].empty()) {
    const auto& invalid = suite["invalid"];
    body << "  <testsuite name=\"nsleak invalid-scenarios\" tests=\"" << invalid.size() << "\" failures=\"0\" errors=\""
         << invalid.size() << "\" skipped=\"0\" time=\"0.000\">\n";
    for (const auto& bad : invalid) {
      body << "    <testcase classname=\"nsleak.invalid\" name=\"" << attr(str(bad, "file")) << "\" file=\""
           << attr(str(bad, "file")) << "\" time=\"0.000\">\n      <error message=\"" << attr(str(bad, "error"))
           << "\" type=\"bad-input\">" << text(str(bad, "error")) << "</error>\n    </testcase>\n";
    }
    body << "  </testsuite>\n";
    tests += static_cast<long>(invalid.size());
    errors += static_cast<long>(invalid.size());
  }
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"nsleak\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
     << errors << "\"" << (skips > 0 ? " skipped=\"" + std::to_string(skips) + "\"" : std::string())
     << " time=\"" << seconds(total_ms) << "\">\n"
     << body.str() << "</testsuites>\n";
  return os.str();
}

}  // namespace nsleak::reports
