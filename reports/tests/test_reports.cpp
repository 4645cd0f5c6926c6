// The report writers on hand-made input, no sandbox needed: JUnit escaping and totals,
// merge_suites' ordering and its rejection of bad input, run_json with bytes that are not
// UTF-8, the story's handling of a hostile description. The real binary's reports are
// checked against the schemas and a JUnit reader by the *_test.py scripts beside this file.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "reports/json_report.hpp"
#include "reports/junit.hpp"
#include "reports/prose.hpp"
#include "reports/suite_merge.hpp"
#include "reports/terminal.hpp"
#include "reports/text_story.hpp"

namespace {

using nlohmann::json;
using nsleak::reports::MergeError;

json run(const std::string& file, const std::string& policy, const std::string& outcome, double ms = 1.5) {
  return {{"schema", "nsleak/run/1"}, {"scenario", "s"}, {"file", file}, {"policy", policy},
          {"outcome", outcome}, {"reason", outcome == "pass" ? "every expectation met" : "why <&>"},
          {"reproduce", "nsleak run " + file + " --policy " + policy}, {"story", "story of " + file},
          {"stats", {{"wall_ms", ms}}}};
}

json suite(std::vector<json> runs, json shard = nullptr, double wall = 10) {
  return {{"schema", "nsleak/suite/1"}, {"shard", shard}, {"wall_ms", wall}, {"runs", runs},
          {"summary", {{"passed", 0}, {"failed", 0}, {"total", 0}}}};
}

std::vector<std::string> files_of(const json& s) {
  std::vector<std::string> v;
  for (const auto& r : s["runs"]) v.push_back(r["file"].get<std::string>() + "@" + r["policy"].get<std::string>());
  return v;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

nsleak::runner::RunReport report(const std::string& file, const std::string& description) {
  nsleak::runner::RunReport r;
  r.scenario = "hostile";
  r.file = file;
  r.description = description;
  r.policy = "go1.12";
  r.strategy = "go-order";
  r.reproduce = "nsleak run " + file + " --policy go1.12";
  return r;
}

}  // namespace

TEST_CASE("merge interleaves complete shards back into the unsharded order", "[reports][merge]") {
  // Unsharded order: a@go1.9 a@go1.10 a@go1.12 b@go1.12 c@go1.9; shard 1/2 holds runs 0, 2, 4.
  const json s1 = suite({run("a", "go1.9", "pass"), run("a", "go1.12", "fail"), run("c", "go1.9", "pass")}, "1/2", 7);
  const json s2 = suite({run("a", "go1.10", "pass"), run("b", "go1.12", "crash")}, "2/2", 9);
  const std::vector<std::string> want{"a@go1.9", "a@go1.10", "a@go1.12", "b@go1.12", "c@go1.9"};
  for (const auto& inputs : {std::vector<std::pair<std::string, json>>{{"s1", s1}, {"s2", s2}},
                             std::vector<std::pair<std::string, json>>{{"s2", s2}, {"s1", s1}}}) {
    const json m = nsleak::reports::merge_suites(inputs);
    CHECK(files_of(m) == want);
    CHECK(m["shard"].is_null());
    CHECK(m["wall_ms"] == 9);
    CHECK(m["summary"] == json({{"passed", 3}, {"failed", 2}, {"skipped", 0}, {"total", 5}}));
  }
}

TEST_CASE("merge concatenates reports that are not shards, in the order given", "[reports][merge]") {
  const json a = suite({run("z", "go1.9", "pass"), run("z", "go1.10", "pass")});
  const json b = suite({run("a", "go1.12", "fail")});
  const json m = nsleak::reports::merge_suites({{"a", a}, {"b", b}});
  CHECK(files_of(m) == std::vector<std::string>{"z@go1.9", "z@go1.10", "a@go1.12"});
  CHECK(m["summary"]["failed"] == 1);
}

TEST_CASE("merge rejects duplicates, incomplete shard sets and malformed reports", "[reports][merge]") {
  const json good = suite({run("a", "go1.9", "pass")});
  auto rejects = [](std::vector<std::pair<std::string, json>> in, const std::string& words) {
    INFO(words);
    CHECK_THROWS_WITH(nsleak::reports::merge_suites(in), Catch::Contains(words));
  };
  rejects({{"x", good}, {"y", good}}, "appears more than once");
  rejects({{"x", suite({}, "1/2")}, {"y", suite({}, "1/2")}}, "shard 1/2 is also in x");
  rejects({{"x", suite({run("a", "go1.9", "pass")}, "1/3")}, {"y", suite({}, "3/3")}}, "shard 2/3 is missing");
  rejects({{"x", suite({run("a", "go1.9", "pass"), run("b", "go1.9", "pass")}, "1/2")}, {"y", suite({}, "2/2")}},
          "do not fit together");
  rejects({{"x", json::array()}}, "not an nsleak suite");
  rejects({{"x", json{{"schema", 1}}}}, "not an nsleak suite");
  rejects({{"x", json{{"schema", "nsleak/suite/1"}, {"runs", 3}}}}, "\"runs\" is missing or not an array");
  rejects({{"x", suite({json(42)})}}, "runs[0]: not a run object");
  json r = run("a", "go1.9", "pass");
  r.erase("stats");
  rejects({{"x", suite({r})}}, "\"stats\"");
  r = run("a", "go1.9", "maybe");
  rejects({{"x", suite({r})}}, "\"outcome\" must be");
  r = run("a", "", "pass");
  rejects({{"x", suite({r})}}, "\"policy\" is empty");
  r = run("a", "go1.9", "pass");
  r["schema"] = "nsleak/run/0";
  rejects({{"x", suite({r})}}, "not an nsleak run");
  rejects({{"x", suite({}, "0/2")}}, "\"shard\" must be");
  rejects({{"x", suite({}, "1/2x")}}, "\"shard\" must be");
  json w = good;
  w["wall_ms"] = "slow";
  rejects({{"x", w}}, "\"wall_ms\" is not a number");
}

TEST_CASE("JUnit: totals per policy, failures and errors, escaped text", "[reports][junit]") {
  json s = suite({run("a&b.json", "go1.9", "pass", 1000), run("c.json", "go1.9", "fail", 500),
                  run("d.json", "go1.12", "timeout", 250)});
  s["runs"][1]["story"] = std::string("tab\there, <markup> & \"quotes\" 'apos' bell\x07 nul") + '\0' +
                          " cr\r esc\x1b end \xef\xbf\xbf bad\xff\xfe utf8 \xe7\x9a\x84";
  const std::string x = nsleak::reports::junit_xml(s);
  CHECK(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nsleak\" tests=\"3\" failures=\"1\" "
                "errors=\"1\" time=\"1.750\">",
                0) == 0);
  CHECK(x.find("<testsuite name=\"nsleak go1.12\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.250\">") !=
        std::string::npos);
  CHECK(x.find("<testsuite name=\"nsleak go1.9\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.500\">") !=
        std::string::npos);
  CHECK(count(x, "<testcase ") == 3);
  CHECK(x.find("file=\"a&amp;b.json\"") != std::string::npos);
  CHECK(x.find("<failure message=\"why &lt;&amp;&gt;\" type=\"expectation\">") != std::string::npos);
  CHECK(x.find("<error message=\"why &lt;&amp;&gt;\" type=\"timeout\">") != std::string::npos);
  CHECK(x.find("tab\there, &lt;markup&gt; &amp; &quot;quotes&quot; &apos;apos&apos; bell\\u0007 nul\\u0000 cr&#13; "
               "esc\\u001B end \\uFFFF bad\xef\xbf\xbd\xef\xbf\xbd utf8 \xe7\x9a\x84") != std::string::npos);
  for (char c : x) {
    const auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 || c == '\n' || c == '\t'));
  }
}

TEST_CASE("JUnit from a malformed suite is still well-formed, never a crash", "[reports][junit]") {
  json s = {{"runs", {json(3), json{{"policy", 7}}, json{{"stats", "x"}}, json::object()}}};
  std::string x;
  REQUIRE_NOTHROW(x = nsleak::reports::junit_xml(s));
  CHECK(count(x, "<testcase ") == 4);
  REQUIRE_NOTHROW(x = nsleak::reports::junit_xml(json(nullptr)));
  CHECK(x.find("tests=\"0\"") != std::string::npos);
}

TEST_CASE("run and suite JSON stay valid UTF-8 whatever the file name", "[reports][json]") {
  const auto r = report("dir/\xff\xc0name\xed\xa0\x80.json", std::string("desc \x01\0 ok \xe2\x9c\x97", 14));
  const json j = nsleak::reports::run_json(r);
  std::string text;
  REQUIRE_NOTHROW(text = j.dump());
  CHECK(j["file"] == "dir/\xef\xbf\xbd\xef\xbf\xbdname\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.json");
  CHECK(j["description"] == std::string("desc \x01\0 ok \xe2\x9c\x97", 14));
  CHECK(j["reproduce"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);
  const json s = nsleak::reports::suite_json({r, r}, {"2/3", 5, {}});
  REQUIRE_NOTHROW(text = s.dump());
  CHECK(s["shard"] == "2/3");
  CHECK(s["summary"] == json({{"passed", 2}, {"failed", 0}, {"skipped", 0}, {"total", 2}}));
  CHECK(s["runs"][0]["steps"] == json::array());
  CHECK(s["runs"][0]["story"].get<std::string>().find("nsleak: hostile under policy go1.12") == 0);
}

TEST_CASE("the story shows bidi control characters escaped, like C0 controls", "[reports][story]") {
  const std::string desc = "rlo\u202E lre\u202A lrm\u200E rlm\u200F lri\u2066 pdi\u2069 ok\u2067x \u2028 \u202F";
  const std::string story = nsleak::reports::text_story(report("f.json", desc));
  for (const char* raw : {"\u202E", "\u202A", "\u200E", "\u200F", "\u2066", "\u2069", "\u2067"})
    CHECK(story.find(raw) == std::string::npos);
  CHECK(story.find("rlo\\u202E lre\\u202A lrm\\u200E rlm\\u200F lri\\u2066 pdi\\u2069 ok\\u2067x") !=
        std::string::npos);
  CHECK(story.find("\u2028 \u202F") != std::string::npos);  // neighbours that are not bidi controls
}

TEST_CASE("the story shows a description's control characters visibly and wraps it", "[reports][story]") {
  const std::string desc = std::string("clear\x1b[2J screen\x07 c1\xc2\x9b" "31m ") + std::string(30, 'w') + " " +
                           std::string(30, 'x') + " " + std::string(30, 'y') + "\nsecond\tline";
  const std::string story = nsleak::reports::text_story(report("f.json", desc));
  CHECK(story.find('\x1b') == std::string::npos);
  CHECK(story.find('\x07') == std::string::npos);
  CHECK(story.find("\xc2\x9b") == std::string::npos);
  CHECK(story.find("clear\\u001B[2J screen\\u0007 c1\\u009B31m") != std::string::npos);
  CHECK(story.find("\n  second\tline\n") != std::string::npos);
  std::size_t start = 0;
  for (std::size_t nl; (nl = story.find('\n', start)) != std::string::npos; start = nl + 1)
    if (story.compare(start, 2, "  ") == 0 && story.find("www", start) < nl) CHECK(nl - start <= 90);
}

TEST_CASE("terminal_style: colour by mode, terminal, NO_COLOR and TERM; width on terminals only; ASCII by locale",
          "[terminal]") {
  using nsleak::reports::ColorMode;
  using nsleak::reports::terminal_style;
  CHECK(terminal_style(true, 100, ColorMode::Auto, nullptr, "xterm", nullptr, true).color);
  CHECK_FALSE(terminal_style(false, 0, ColorMode::Auto, nullptr, "xterm", nullptr, true).color);  // a pipe
  CHECK_FALSE(terminal_style(true, 100, ColorMode::Auto, "1", "xterm", nullptr, true).color);    // NO_COLOR
  CHECK(terminal_style(true, 100, ColorMode::Auto, "", "xterm", nullptr, true).color);           // empty: unset
  CHECK_FALSE(terminal_style(true, 100, ColorMode::Auto, nullptr, "dumb", nullptr, true).color);
  CHECK(terminal_style(false, 0, ColorMode::Always, "1", "dumb", nullptr, true).color);
  CHECK_FALSE(terminal_style(true, 100, ColorMode::Never, nullptr, "xterm", nullptr, true).color);
  CHECK(terminal_style(true, 100, ColorMode::Auto, nullptr, nullptr, nullptr, true).width == 100);
  CHECK(terminal_style(true, 100, ColorMode::Auto, nullptr, nullptr, "72", true).width == 72);
  CHECK(terminal_style(true, 0, ColorMode::Auto, nullptr, nullptr, "junk", true).width == 80);
  CHECK(terminal_style(false, 0, ColorMode::Auto, nullptr, nullptr, "72", true).width == 0);  // never wrap a pipe
  CHECK(terminal_style(false, 0, ColorMode::Auto, nullptr, nullptr, nullptr, false).ascii);
  CHECK_FALSE(terminal_style(false, 0, ColorMode::Auto, nullptr, nullptr, nullptr, true).ascii);
}

TEST_CASE("styled_line wraps at spaces under a hanging indent, spells ASCII and colours status words", "[terminal]") {
  using nsleak::reports::styled_line;
  using nsleak::reports::TerminalStyle;
  const std::string line = "  ✗ g1 main m0 tid 8354 expect origin: MISMATCH, the thread is in uid:0/1/0 dropped, not uid:0 origin";
  TerminalStyle narrow;
  narrow.width = 40;
  const std::string w = styled_line(line, narrow);
  std::istringstream in(w);
  std::size_t lines = 0;
  std::string joined;
  for (std::string l; std::getline(in, l); ++lines) {
    std::size_t cols = 0;
    for (unsigned char c : l) cols += (c & 0xC0) != 0x80;
    CHECK(cols <= 40);
    if (lines > 0) CHECK(l.rfind("      ", 0) == 0);  // indent 2 + 4
    joined += (joined.empty() ? "" : " ") + l.substr(l.find_first_not_of(' '));
  }
  CHECK(lines >= 3);
  CHECK("  " + joined == line);  // only spaces changed
  CHECK(styled_line("short", narrow) == "short");
  TerminalStyle ascii;
  ascii.ascii = true;
  CHECK(styled_line("✗ a — b · c → d é", ascii) == "x a -- b * c -> d ?");
  TerminalStyle color;
  color.color = true;
  CHECK(styled_line("PASS x [go1.12]", color) == "\x1b[32mPASS\x1b[0m x [go1.12]");
  CHECK(styled_line("FAIL x", color) == "\x1b[1;31mFAIL\x1b[0m x");
  CHECK(styled_line("SKIP x", color) == "\x1b[33mSKIP\x1b[0m x");
  CHECK(styled_line("a PASSING b", color) == "a PASSING b");  // status words only where they open a line
}

TEST_CASE("counted: one goroutine, two goroutines (the fold boxes' and tooltips' counts)", "[prose]") {
  CHECK(nsleak::reports::counted(1, "goroutine") == "1 goroutine");
  CHECK(nsleak::reports::counted(0, "goroutine") == "0 goroutines");
  CHECK(nsleak::reports::counted(2, "op") == "2 ops");
}
