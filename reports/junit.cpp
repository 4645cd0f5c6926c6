#include "reports/junit.hpp"

#include <cstdio>
#include <map>
#include <sstream>

namespace nsleak::reports {
namespace {

using nlohmann::json;

// XML 1.0 text: escape markup, drop characters XML cannot carry at all.
std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
  return buf;
}

}  // namespace

std::string junit_xml(const json& suite) {
  // One <testsuite> per policy, so CI dashboards group the matrix naturally.
  std::map<std::string, std::vector<const json*>> by_policy;
  for (const auto& r : suite["runs"]) by_policy[r.value("policy", std::string("?"))].push_back(&r);
  long tests = 0, failures = 0, errors = 0;
  double total_ms = 0;
  std::ostringstream body;
  for (const auto& [policy, runs] : by_policy) {
    long f = 0, e = 0;
    double ms = 0;
    std::ostringstream cases;
    for (const json* r : runs) {
      const std::string outcome = r->value("outcome", std::string());
      const double t = (*r)["stats"].value("wall_ms", 0.0);
      ms += t;
      cases << "    <testcase classname=\"nsleak." << xml_escape(policy) << "\" name=\""
            << xml_escape(r->value("scenario", std::string())) << "\" file=\""
            << xml_escape(r->value("file", std::string())) << "\" time=\"" << seconds(t) << "\">\n";
      const std::string reason = r->value("reason", std::string());
      if (outcome == "fail") {
        ++f;
        cases << "      <failure message=\"" << xml_escape(reason) << "\" type=\"expectation\">"
              << xml_escape(reason + "\nreproduce: " + r->value("reproduce", std::string())) << "</failure>\n";
      } else if (outcome != "pass") {
        ++e;
        cases << "      <error message=\"" << xml_escape(reason) << "\" type=\"" << xml_escape(outcome) << "\">"
              << xml_escape(reason + "\nreproduce: " + r->value("reproduce", std::string())) << "</error>\n";
      }
      cases << "      <system-out>" << xml_escape(r->value("story", std::string())) << "</system-out>\n";
      cases << "    </testcase>\n";
    }
    tests += static_cast<long>(runs.size());
    failures += f;
    errors += e;
    total_ms += ms;
    body << "  <testsuite name=\"nsleak " << xml_escape(policy) << "\" tests=\"" << runs.size()
         << "\" failures=\"" << f << "\" errors=\"" << e << "\" skipped=\"0\" time=\"" << seconds(ms) << "\">\n"
         << cases.str() << "  </testsuite>\n";
  }
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"nsleak\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
     << errors << "\" time=\"" << seconds(total_ms) << "\">\n"
     << body.str() << "</testsuites>\n";
  return os.str();
}

}  // namespace nsleak::reports
