#include "reports/junit.hpp"

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

// Decodes one UTF-8 sequence at s[i]; returns its length (0 when malformed) and the code point.
std::size_t decode(const std::string& s, std::size_t i, char32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len;
  if (c < 0x80) return cp = c, 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  const char32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// XML 1.0 text or attribute value. Markup is escaped; so are tab, LF and CR where a parser
// would otherwise normalise them away (CR everywhere, all three in attributes). Characters
// XML 1.0 cannot carry at all, even as references (C0 controls, U+FFFE, U+FFFF), are written
// visibly as \uXXXX rather than dropped; bytes that are not UTF-8 become U+FFFD.
std::string xml_escape(const std::string& s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = decode(s, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      default:
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
          out += buf;
        } else {
          out.append(s, i, len);
        }
    }
    i += len;
  }
  return out;
}

std::string text(const std::string& s) { return xml_escape(s, false); }
std::string attr(const std::string& s) { return xml_escape(s, true); }

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
  return buf;
}

}  // namespace

std::string junit_xml(const json& suite) {
  // One <testsuite> per policy, so CI dashboards group the matrix naturally.
  std::map<std::string, std::vector<const json*>> by_policy;
  if (suite.is_object() && suite.contains("runs") && suite["runs"].is_array())
    for (const auto& r : suite["runs"]) {
      const std::string policy = str(r, "policy");
      by_policy[policy.empty() ? "?" : policy].push_back(&r);
    }
  long tests = 0, failures = 0, errors = 0;
  double total_ms = 0;
  std::ostringstream body;
  for (const auto& [policy, runs] : by_policy) {
    long f = 0, e = 0;
    double ms = 0;
    std::ostringstream cases;
    for (const json* r : runs) {
      const std::string outcome = str(*r, "outcome");
      const double t = r->is_object() && r->contains("stats") ? num((*r)["stats"], "wall_ms") : 0.0;
      ms += t;
      cases << "    <testcase classname=\"nsleak." << attr(policy) << "\" name=\"" << attr(str(*r, "scenario"))
            << "\" file=\"" << attr(str(*r, "file")) << "\" time=\"" << seconds(t) << "\">\n";
      const std::string reason = str(*r, "reason");
      const std::string detail = text(reason + "\nreproduce: " + str(*r, "reproduce"));
      if (outcome == "fail") {
        ++f;
        cases << "      <failure message=\"" << attr(reason) << "\" type=\"expectation\">" << detail
              << "</failure>\n";
      } else if (outcome != "pass") {
        ++e;
        cases << "      <error message=\"" << attr(reason) << "\" type=\"" << attr(outcome.empty() ? "?" : outcome)
              << "\">" << detail << "</error>\n";
      }
      cases << "      <system-out>" << text(str(*r, "story")) << "</system-out>\n";
      cases << "    </testcase>\n";
    }
    tests += static_cast<long>(runs.size());
    failures += f;
    errors += e;
    total_ms += ms;
    body << "  <testsuite name=\"nsleak " << attr(policy) << "\" tests=\"" << runs.size() << "\" failures=\"" << f
         << "\" errors=\"" << e << "\" skipped=\"0\" time=\"" << seconds(ms) << "\">\n"
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
     << errors << "\" time=\"" << seconds(total_ms) << "\">\n"
     << body.str() << "</testsuites>\n";
  return os.str();
}

}  // namespace nsleak::reports
