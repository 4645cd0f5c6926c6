// Tests of the scenario parser (harness/scenario): the malformed corpus, the valid fixtures,
// locations, labels, defaults, and robustness against truncated and corrupted input.
//
// Build: needs the compile definition NSLEAK_FIXTURES_DIR, a string literal holding the
// absolute path of the project's fixtures/ directory, e.g.
//   cpp_args : ['-DNSLEAK_FIXTURES_DIR="' + meson.project_source_root() / 'fixtures' + '"']
//
// The .err files: fixtures/malformed/NAME.err holds the one line the CLI prints for NAME.json
// when run from the project root: `fixtures/malformed/NAME.json:LINE:COL: message`. The tests
// load each fixture by its absolute path (no chdir) and compare the error line with the
// absolute directory replaced by `fixtures/`, so the file name, position and message are all
// checked.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/located_json.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"
#include "harness/scenario/utf8.hpp"
#include "harness/tests/support.hpp"
#include "harness/verdict/verdict_kind.hpp"

#ifndef NSLEAK_FIXTURES_DIR
#error "test_parser.cpp needs -DNSLEAK_FIXTURES_DIR=\"/abs/path/to/fixtures\""
#endif

namespace fs = std::filesystem;
using namespace nsleak::scenario;

namespace {

const fs::path kFixtures = NSLEAK_FIXTURES_DIR;

const ParseOptions& options() {
  static const ParseOptions opts{{"go1.9", "go1.10", "go1.12", "go1.16", "strict-unlock", "inherit-spawn",
                                  "forbid-spawn", "restore-or-die"},
                                 nsleak::verdict::verdict_names()};
  return opts;
}

Scenario parse(std::string_view text) { return parse_scenario(text, "t.json", options()); }

// The error line for `text`, or "parsed" when it is a valid scenario.
std::string error_line(std::string_view text) {
  try {
    parse(text);
    return "parsed";
  } catch (const ParseError& e) {
    return e.what();
  }
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ext) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Parses `text`, which must either succeed or fail with a clean ParseError.
void expect_parses_or_clean_error(const std::string& text) {
  try {
    parse(text);
  } catch (const ParseError& e) {
    const std::string line = e.what();
    CAPTURE(line);
    CHECK(!first_invalid_utf8(line));
    CHECK(line.find('\n') == std::string::npos);
    CHECK(e.where().line >= 1);
    CHECK(e.where().col >= 1);
  }
  // Anything else (std::exception from nlohmann, logic_error, a crash) fails the test.
}

void for_each_op(const std::vector<Op>& ops, const std::function<void(const Op&)>& f) {
  for (const Op& op : ops) {
    f(op);
    for_each_op(op.body, f);
  }
}

const Op& op_labelled(const Scenario& s, const std::string& label) {
  const Op* found = nullptr;
  auto look = [&](const Op& op) {
    if (op.label == label) found = &op;
  };
  for_each_op(s.main, look);
  for (const auto& [name, body] : s.functions) for_each_op(body, look);
  if (!found) FAIL("no op labelled " << label);
  return *found;
}

}  // namespace

TEST_CASE("Every malformed fixture fails with exactly the line in its .err file",
          "[parser][fixtures]") {
  const fs::path dir = kFixtures / "malformed";
  const auto fixtures = files_in(dir, ".json");
  REQUIRE(fixtures.size() >= 45);
  REQUIRE(files_in(dir, ".err").size() == fixtures.size());

  for (const auto& path : fixtures) {
    const fs::path err_path = fs::path(path).replace_extension(".err");
    CAPTURE(path.filename().string());
    REQUIRE(fs::exists(err_path));
    const std::string expected = nsleak::test::trimmed(nsleak::test::read_file(err_path));
    try {
      load_scenario(path.string(), options());
      FAIL_CHECK("parsed without error");
    } catch (const ParseError& e) {
      const std::string line = e.what();
      REQUIRE(line.rfind(path.string() + ":", 0) == 0);
      const std::string relative = "fixtures/malformed/" + path.filename().string();
      CHECK(relative + line.substr(path.string().size()) == expected);
      CHECK(line == e.where().str() + ": " + e.message());
      CHECK(e.where().file == path.string());
    }
  }
}

TEST_CASE("Every valid fixture parses", "[parser][fixtures]") {
  const auto fixtures = files_in(kFixtures / "valid", ".json");
  REQUIRE(fixtures.size() >= 4);
  for (const auto& path : fixtures) {
    CAPTURE(path.filename().string());
    CHECK_NOTHROW(load_scenario(path.string(), options()));
  }
}

TEST_CASE("The valid fixtures together use every op", "[parser][fixtures]") {
  std::set<OpKind> seen;
  for (const auto& path : files_in(kFixtures / "valid", ".json")) {
    const Scenario s = load_scenario(path.string(), options());
    auto note = [&](const Op& op) { seen.insert(op.kind); };
    for_each_op(s.main, note);
    for (const auto& [name, body] : s.functions) for_each_op(body, note);
  }
  for (const auto& name : op_names()) {
    CAPTURE(name);
    const auto kind = static_cast<OpKind>(&name - op_names().data());
    CHECK(seen.count(kind) == 1);
  }
}

TEST_CASE("Ops and expectations are located at their first character, nested ones too",
          "[parser][locations]") {
  const Scenario s = parse(
      "// comment\n"                                                  // 1
      "{\"name\": \"loc\",\n"                                         // 2
      "  \"main\": [\n"                                               // 3
      "    {\"op\": \"lock\"},\n"                                     // 4
      "    {\"op\": \"repeat\", \"times\": 2, \"body\": [\n"          // 5
      "      {\"op\": \"yield\"}, /* ü */ {\"op\": \"repeat\",\n"     // 6
      "        \"times\": 3, \"body\": [ {\"op\": \"syscall\"} ]}\n"  // 7
      "    ]}\n"                                                      // 8
      "  ],\n"                                                        // 9
      "  \"functions\": {\"f\": [\n"                                  // 10
      "\t{\"op\": \"exit\"}]},\n"                                     // 11
      "  \"expect\": {\"go1.12\": {}}\n"                              // 12
      "}\n");
  CHECK(op_labelled(s, "main#0").loc.str() == "t.json:4:5");
  CHECK(op_labelled(s, "main#1").loc.str() == "t.json:5:5");
  CHECK(op_labelled(s, "main#1.0").loc.str() == "t.json:6:7");
  // Columns count characters: "ü" is two bytes but one column.
  CHECK(op_labelled(s, "main#1.1").loc.str() == "t.json:6:32");
  CHECK(op_labelled(s, "main#1.1.0").loc.str() == "t.json:7:31");
  CHECK(op_labelled(s, "f#0").loc.str() == "t.json:11:2");
  CHECK(s.expect.at("go1.12").loc.str() == "t.json:12:14");
}

TEST_CASE("Errors point at the offending value, key or op", "[parser][locations]") {
  const std::string head = "{\"name\": \"x\",\n \"main\": [\n";  // ops start on line 3
  SECTION("a bad value two repeats deep") {
    CHECK(error_line(head + "  {\"op\": \"repeat\", \"times\": 1, \"body\": [\n"
                            "    {\"op\": \"repeat\", \"times\": 1, \"body\": [\n"
                            "      {\"op\": \"sleep\",   \"ms\": -1}]}]}]}") ==
          "t.json:5:31: \"ms\" must be between 0 and 60000, found number -1");
  }
  SECTION("an unknown key, at the key") {
    CHECK(error_line(head + "  {\"op\": \"get\", \"as\": \"a\",\n   \"nss\": \"uts\"}]}") ==
          "t.json:4:4: unknown key \"nss\" in \"get\" op (did you mean \"ns\"?)");
  }
  SECTION("a missing key, at the op") {
    CHECK(error_line(head + "  {\"op\": \"lock\"}, {\"op\": \"recv\"}]}") ==
          "t.json:3:19: missing required key \"chan\" in \"recv\" op");
  }
  SECTION("a name used before the function is defined, at the name") {
    CHECK(error_line(head + "  {\"op\": \"call\", \"fn\":\n      \"g\"}],\n \"functions\": "
                            "{\"f\": []}}") ==
          "t.json:4:7: undefined function \"g\" (defined: \"f\")");
  }
  SECTION("after a byte order mark and CRLF line ends") {
    CHECK(error_line("\xEF\xBB\xBF{\"name\": \"x\",\r\n\"main\": 3}") ==
          "t.json:2:9: \"main\" must be an array, found number 3");
  }
  SECTION("a syntax error, at the byte where parsing stopped") {
    CHECK(error_line("{\"name\": \"x\",\n \"main\": [}") ==
          "t.json:2:11: invalid JSON: unexpected '}'; expected '[', '{', or a literal");
  }
  SECTION("the end of input, just past the last character") {
    CHECK(error_line("{\"name\": \"x\",\n") ==
          "t.json:2:1: invalid JSON: unexpected end of input; expected string literal");
  }
  SECTION("a duplicate key, at the second occurrence") {
    CHECK(error_line(head + "  {\"op\": \"go\", \"fn\": \"f\", \"inherit\": true,\n"
                            "   \"inherit\": false}]}") ==
          "t.json:4:4: duplicate key \"inherit\" (first at line 3, column 27)");
  }
}

TEST_CASE("Labels are body#index, with a dotted index path inside repeats", "[parser][labels]") {
  const Scenario s = parse(R"({"name": "labels",
    "main": [{"op": "yield"}, {"op": "yield"}, {"op": "yield"},
      {"op": "repeat", "times": 2, "body": [
        {"op": "yield"},
        {"op": "repeat", "times": 2, "body": [{"op": "yield"}, {"op": "call", "fn": "child"}]}]}],
    "functions": {"child": [{"op": "yield"}, {"op": "yield"}, {"op": "exit"}]}})");
  CHECK(s.main[0].label == "main#0");
  CHECK(s.main[3].label == "main#3");
  CHECK(s.main[3].body[0].label == "main#3.0");
  CHECK(s.main[3].body[1].label == "main#3.1");
  CHECK(s.main[3].body[1].body[1].label == "main#3.1.1");
  CHECK(s.functions.at("child")[2].label == "child#2");
}

TEST_CASE("Omitted fields take their defaults", "[parser][defaults]") {
  const Scenario s = parse(R"({"name": "defaults", "main": [
      {"op": "unshare"}, {"op": "go", "fn": "f"}, {"op": "exec"}],
    "functions": {"f": []}})");
  CHECK(s.file == "t.json");
  CHECK(s.description.empty());
  CHECK(s.procs == 2);
  CHECK(s.idle_threads == 2);
  CHECK(s.expect.empty());
  CHECK(s.expect_order.empty());
  const Op& unshare = s.main[0];
  CHECK(unshare.ns == StateKind::Net);
  CHECK(unshare.name.empty());
  CHECK(unshare.fail_errno == 0);
  CHECK_FALSE(s.main[1].inherit);
  CHECK(s.main[2].name.empty());
}

TEST_CASE("Fields map into Op as scenario.hpp documents", "[parser]") {
  const Scenario s = parse(R"({"name": "fields", "procs": 7, "idle_ms": 0, "description": "d",
    "main": [
      {"op": "unshare", "ns": "uts", "as": "u", "fail": "EUSERS"},
      {"op": "setns", "to": "u", "ns": "uts", "fail": "EACCES"},
      {"op": "get", "as": "g"},
      {"op": "go", "fn": "f", "inherit": true},
      {"op": "call", "fn": "f"},
      {"op": "send", "chan": "c"},
      {"op": "wg_add", "wg": "w", "n": 5},
      {"op": "wg_wait", "wg": "w"},
      {"op": "sleep", "ms": 30},
      {"op": "exec", "as": "e"},
      {"op": "expect", "is": "e", "ns": "net"},
      {"op": "repeat", "times": 4, "body": [{"op": "recv", "chan": "c"}]}
    ],
    "functions": {"f": [{"op": "wg_done", "wg": "w"}, {"op": "close", "chan": "c"}]}})");
  CHECK(s.procs == 7);
  CHECK(s.idle_threads == 0);
  CHECK(s.description == "d");
  const auto& m = s.main;
  CHECK((m[0].kind == OpKind::Unshare && m[0].ns == StateKind::Uts && m[0].name == "u" &&
         m[0].fail_errno == EUSERS));
  CHECK((m[1].kind == OpKind::Setns && m[1].name == "u" && m[1].fail_errno == EACCES));
  CHECK((m[2].kind == OpKind::Get && m[2].name == "g" && m[2].ns == StateKind::Net));
  CHECK((m[3].kind == OpKind::Go && m[3].name == "f" && m[3].inherit));
  CHECK((m[4].kind == OpKind::Call && m[4].name == "f"));
  CHECK((m[5].kind == OpKind::Send && m[5].name == "c"));
  CHECK((m[6].kind == OpKind::WgAdd && m[6].name == "w" && m[6].n == 5));
  CHECK((m[7].kind == OpKind::WgWait && m[7].name == "w"));
  CHECK((m[8].kind == OpKind::Sleep && m[8].n == 30));
  CHECK((m[9].kind == OpKind::Exec && m[9].name == "e"));
  CHECK((m[10].kind == OpKind::Expect && m[10].name == "e"));
  CHECK((m[11].kind == OpKind::Repeat && m[11].n == 4 && m[11].body.size() == 1));
  CHECK(m[11].body[0].kind == OpKind::Recv);
  const auto& f = s.functions.at("f");
  CHECK((f[0].kind == OpKind::WgDone && f[0].name == "w"));
  CHECK((f[1].kind == OpKind::Close && f[1].name == "c"));
}

TEST_CASE("expect keeps its policies in file order", "[parser]") {
  const Scenario s = parse(R"({"name": "order", "main": [], "expect": {
      "strict-unlock": {}, "go1.9": {"absent": ["wedged-m0"]}, "go1.12": {}}})");
  CHECK(s.expect_order == std::vector<std::string>{"strict-unlock", "go1.9", "go1.12"});
  CHECK(s.expect.at("go1.9").absent == std::vector<std::string>{"wedged-m0"});
}

TEST_CASE("The op limit counts repeats, calls and spawns, and allows exactly the limit",
          "[parser]") {
  // 1 + 10 * (1 + 9999) = 100001 once the go is counted with the function it runs.
  const std::string over = R"({"name": "x", "main": [{"op": "lock"},
      {"op": "repeat", "times": 10, "body": [{"op": "go", "fn": "f"}]}],
    "functions": {"f": [{"op": "repeat", "times": 9999, "body": [{"op": "yield"}]}]}})";
  CHECK(error_line(over) ==
        "t.json:2:7: too many ops: with this repeat the scenario expands to more than 100000 "
        "ops");
  std::string exact = over;
  exact.replace(exact.find("{\"op\": \"lock\"},"), 15, "");
  CHECK(error_line(exact) == "parsed");
  CHECK_NOTHROW(load_scenario((kFixtures / "valid" / "limits.json").string(), options()));
}

TEST_CASE("Recursion is found however long the chain of functions", "[parser]") {
  // A chain this long would overflow a recursive walk of the call graph.
  std::string text = R"({"name": "chain", "main": [{"op": "call", "fn": "f0"}], "functions": {)";
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    text += "\"f" + std::to_string(i) + "\": [{\"op\": \"call\", \"fn\": \"f" +
            std::to_string((i + 1) % n) + "\"}]" + (i + 1 < n ? ", " : "}}");
  const std::string line = error_line(text);
  CHECK(line.find("recursive call with no end: f0 -> f1 -> f2 -> ") != std::string::npos);
  CHECK(line.find("-> f19999 -> f0") != std::string::npos);
}

TEST_CASE("Deep nesting is an error, not a stack overflow", "[parser][robustness]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(error_line(deep) ==
        "t.json:1:129: nesting deeper than " + std::to_string(kMaxJsonNesting) + " levels");
}

TEST_CASE("Truncating a valid file anywhere gives a scenario or a ParseError",
          "[parser][robustness]") {
  for (const auto& path : files_in(kFixtures / "valid", ".json")) {
    const std::string text = nsleak::test::read_file(path);
    CAPTURE(path.filename().string());
    for (std::size_t len = 0; len <= text.size(); ++len) {
      CAPTURE(len);
      expect_parses_or_clean_error(text.substr(0, len));
    }
  }
}

TEST_CASE("Corrupting any byte of a valid file gives a scenario or a ParseError",
          "[parser][robustness]") {
  const std::string text = nsleak::test::read_file(kFixtures / "valid" / "article-poisoned-main.json");
  const std::string replacements{'\0', '"', '{', ']', ',', '/', '9', '\xff', '\xc3', '\\'};
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (char r : replacements) {
      std::string mutated = text;
      mutated[i] = r;
      CAPTURE(i, static_cast<int>(static_cast<unsigned char>(r)));
      expect_parses_or_clean_error(mutated);
    }
  }
}

TEST_CASE("An unreadable file is an error at line 0, column 0 naming the errno", "[parser]") {
  const std::string missing = (kFixtures / "no-such-dir" / "x.json").string();
  CHECK_THROWS_WITH(load_scenario(missing, options()),
                    missing + ":0:0: cannot open file: No such file or directory");
  const std::string dir = (kFixtures / "valid").string();
  CHECK_THROWS_WITH(load_scenario(dir, options()), dir + ":0:0: cannot read file: Is a directory");
}

TEST_CASE("ParseError carries its location and the bare message", "[parser]") {
  const ParseError e(Location{"a/b.json", 3, 14}, "bad thing");
  CHECK(std::string(e.what()) == "a/b.json:3:14: bad thing");
  CHECK(e.message() == "bad thing");
  CHECK(e.where().line == 3);
  CHECK(e.where().col == 14);
}

TEST_CASE("Keys that differ only in JSON pointer escaping do not collide", "[parser][locations]") {
  const LocatedJson doc(R"({"a/b": 1, "a~1b": 2, "~": {"/": [true]}})", "p.json");
  const JsonNode root = doc.root();
  CHECK(root.member("a/b").loc().col == 9);
  CHECK(root.member("a~1b").loc().col == 20);
  CHECK(root.member("~").member("/").elements()[0].loc().col == 35);
  CHECK(root.member("~").member("/").key_loc().col == 29);
}

TEST_CASE("Suggestions come only from close names", "[parser][did-you-mean]") {
  CHECK(edit_distance("unshar", "unshare") == 1);
  CHECK(edit_distance("unsahre", "unshare") == 1);  // a swap counts once
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("unshar", op_names()) == std::optional<std::string>("unshare"));
  CHECK(closest_match("frobnicate", op_names()) == std::nullopt);
  // Within 2 edits but no better than a guess: a two-letter word two edits from "ns".
  CHECK(closest_match("tO", {"ns"}) == std::nullopt);
  // Ties go to the first candidate.
  CHECK(closest_match("go1.1", {"go1.10", "go1.12"}) == std::optional<std::string>("go1.10"));
  CHECK(unknown_name_hint("x", {"a", "b"}) == " (expected one of \"a\", \"b\")");
}

TEST_CASE("Quoted text in messages is one line of valid UTF-8", "[parser]") {
  CHECK(quote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quote("tab\tnl\n\x01") == R"("tab\tnl\n\x01")");
  CHECK(quote("caf\xc3\xa9 \xff") == "\"caf\xc3\xa9 \\xFF\"");
  CHECK(quote(std::string(60, 'a')) == "\"" + std::string(48, 'a') + "...\"");
  CHECK(escape_text("a\"b\xed\xa0\x80") == "a\"b\\xED\\xA0\\x80");  // a surrogate is invalid
}

TEST_CASE("Op names and namespace kinds are spelt as in scenario files", "[scenario]") {
  REQUIRE(op_names().size() == 27);
  for (std::size_t i = 0; i < op_names().size(); ++i)
    CHECK(op_names()[i] == op_name(static_cast<OpKind>(i)));
  CHECK(std::string(op_name(OpKind::WgAdd)) == "wg_add");
  CHECK(std::string(op_name(OpKind::Exit)) == "exit");
  CHECK(std::string(op_name(OpKind::Tid)) == "tid");
  CHECK(std::string(op_name(OpKind::Until)) == "until");
  CHECK(std::string(nsleak::os::kind_name(StateKind::Uts)) == "uts");
  CHECK(std::string(nsleak::os::kind_name(StateKind::Ipc)) == "ipc");
  CHECK(nsleak::os::kind_from_name("ipc") == StateKind::Ipc);
  CHECK(Location{"f.json", 0, 0}.str() == "f.json:0:0");
}

TEST_CASE("idle_threads, or its old name idle_ms, sets the idle Ms; both at once is an error",
          "[parser]") {
  const std::string main = R"("main": [{"op": "unshare"}])";
  CHECK(parse(R"({"name": "a", "idle_threads": 5, )" + main + "}").idle_threads == 5);
  CHECK(parse(R"({"name": "a", "idle_ms": 4, )" + main + "}").idle_threads == 4);
  CHECK(error_line("{\"name\": \"a\", \"idle_threads\": 1,\n \"idle_ms\": 1, " + main + "}") ==
        "t.json:2:2: \"idle_ms\" is the old name of \"idle_threads\": give only one");
  CHECK(error_line(R"({"name": "a", "idle_ms": 17, )" + main + "}") ==
        "t.json:1:26: \"idle_ms\" must be between 0 and 16, found number 17");
}

TEST_CASE("The parser's namespace kinds are exactly the state table's rows", "[scenario][state-kinds]") {
  // Every row parses to its own kind: a kind mapped to the wrong row (the old two-way
  // ternary sent every non-net name to uts) fails here.
  std::string listed;
  for (const auto& row : nsleak::os::state_kinds()) {
    listed += std::string(listed.empty() ? "" : ", ") + "\"" + row.name + "\"";
    if (!nsleak::os::is_namespace(row.kind)) continue;  // setns and "ns" take namespaces only
    INFO(row.name);
    const Scenario s = parse(std::string(R"({"name": "k", "main": [{"op": "unshare", "ns": ")") + row.name +
                             R"(", "as": "x"}, {"op": "setns", "ns": ")" + row.name + R"(", "to": "origin"}]})");
    CHECK(s.main[0].ns == row.kind);
    CHECK(s.main[1].ns == row.kind);
  }
  // An unknown kind is a located error that lists every row.
  try {
    parse(R"({"name": "k", "main": [{"op": "get", "ns": "user", "as": "x"}]})");
    FAIL("an unknown kind parsed");
  } catch (const ParseError& e) {
    CHECK(e.where().line == 1);
    CHECK(e.where().col == 44);
    CHECK(e.message() == "unknown state kind \"user\" (expected one of " + listed + ")");
  }
}

TEST_CASE("A kind the kernel lacks is unavailable with the reason; the others always are", "[state-kinds]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("nsleak-ns-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Without time: a kernel before 5.6, or built without CONFIG_TIME_NS.
  for (const char* e : {"net", "uts", "ipc", "mnt", "cgroup"}) std::ofstream(dir / e) << "";
  for (const auto& row : nsleak::os::state_kinds()) {
    INFO(row.name);
    const std::string reason = nsleak::os::unavailable_reason(row.kind, dir.c_str());
    if (row.kind == StateKind::Time)
      CHECK(reason == "this kernel has no time namespaces (" + (dir / "time").string() +
                          " is missing; Linux 5.6+ built with CONFIG_TIME_NS has them): the state kind "
                          "\"time\" cannot be exercised here");
    else
      CHECK(reason.empty());
  }
  std::ofstream(dir / "time") << "";
  CHECK(nsleak::os::unavailable_reason(StateKind::Time, dir.c_str()).empty());
  fs::remove_all(dir);
}

TEST_CASE("\"state\" names the kind on get, expect, unshare and setns; \"ns\" is its alias", "[scenario][state-kinds]") {
  for (const auto& row : nsleak::os::state_kinds()) {
    if (!nsleak::os::is_namespace(row.kind)) continue;  // fs: the chdir fixtures and library
    INFO(row.name);
    const std::string k = row.name;
    const Scenario s = parse(R"({"name": "k", "main": [{"op": "unshare", "state": ")" + k + R"(", "as": "x"},
      {"op": "get", "state": ")" + k + R"(", "as": "y"}, {"op": "expect", "state": ")" + k + R"(", "is": "x"},
      {"op": "setns", "state": ")" + k + R"(", "to": "origin"}, {"op": "expect", "ns": ")" + k + R"(", "is": "origin"}]})");
    for (const auto& op : s.main) CHECK(op.ns == row.kind);
  }
  // The default is still the network namespace.
  CHECK(parse(R"({"name": "k", "main": [{"op": "get", "as": "x"}]})").main[0].ns == StateKind::Net);
  // Both at once: located at the alias, in either order.
  CHECK(error_line(R"({"name": "k", "main": [{"op": "get", "ns": "mnt", "state": "mnt", "as": "x"}]})") ==
        "t.json:1:38: \"ns\" is an alias of \"state\": give only one");
  CHECK(error_line(R"({"name": "k", "main": [{"op": "expect", "state": "uts", "is": "origin", "ns": "net"}]})") ==
        "t.json:1:73: \"ns\" is an alias of \"state\": give only one");
}
