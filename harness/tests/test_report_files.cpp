// Reports that never fail silently (issue 12, item 8): every report option written to an
// unwritable place is exit 2 naming the path; standard output's errors too; a report is
// replaced atomically (a concurrent reader never sees it empty); "-" is standard output for
// reports and standard input for a scenario; a FIFO given as a scenario never hangs; a killed
// run leaves a placeholder saying so, never the old report looking current.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/file_text.hpp"
#include "harness/tests/support.hpp"

namespace {

namespace fs = std::filesystem;

struct Shell {
  int code = -1;
  std::string out, err;
};

// Runs `line` with /bin/sh from the source root, nsleak as $N, stdin from /dev/null unless the
// line redirects it; stdout is captured unless the line redirects it.
Shell sh(const std::string& line) {
  const std::string errfile = fs::temp_directory_path() / ("nsleak-rf-" + std::to_string(::getpid()) + ".err");
  const std::string cmd = std::string("cd ") + NSLEAK_SOURCE_DIR + " && N=" + NSLEAK_BINARY + " && { " + line +
                          " ; } 2>" + errfile + " </dev/null";
  Shell r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = nsleak::test::read_file(errfile);
  fs::remove(errfile);
  return r;
}

fs::path scratch(const std::string& what) {
  const fs::path d = fs::temp_directory_path() / ("nsleak-rf-" + what + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const std::string kArticle = "scenarios/article/article-poisoned-main.json";

// A suite report for `nsleak merge` to read, written once per test process.
const std::string& suite_report() {
  static const std::string path = [] {
    const std::string p = (scratch("suite") / "suite.json").string();
    sh("$N test scenarios/article --json " + p + " >/dev/null");
    return p;
  }();
  return path;
}

}  // namespace

TEST_CASE("every report option to an unwritable path is exit 2 naming the path", "[cli][reports][write]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const fs::path dir = scratch("unwritable");
  const std::string& suite = suite_report();
  for (const std::string& target : std::vector<std::string>{std::string("/dev/full"), (dir / "no-such-dir" / "r").string(), dir.string()}) {
    for (const std::string& cmd : std::vector<std::string>
         {"test scenarios/article --json ", "test scenarios/article --junit ", "run " + kArticle + " --events ",
          "run " + kArticle + " --html ", "run " + kArticle + " --trace-events ", "--html ", "--trace-events ",
          "merge " + suite + " --json ", "merge " + suite + " --junit "}) {
      const Shell r = sh("$N " + cmd + target + " >/dev/null");
      INFO(cmd << target << "\n" << r.err);
      CHECK(r.code == 2);
      CHECK(r.err.find("nsleak: cannot write ") != std::string::npos);
      CHECK(r.err.find(" to " + target + ": ") != std::string::npos);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("a write error on standard output is exit 2: /dev/full, a closed stdout", "[cli][reports][write]") {
  NSLEAK_REQUIRE_NAMESPACES();
  for (const std::string& cmd : std::vector<std::string>{"test scenarios/article", "run " + kArticle, "run " + kArticle + " -f json", "",
                                "list", "merge " + suite_report()}) {
    for (const std::string& redirect : std::vector<std::string>{" >/dev/full", " >&-"}) {
      const Shell r = sh("$N " + cmd + redirect);
      INFO(cmd << redirect << "\n" << r.err);
      CHECK(r.code == 2);
      CHECK(r.err.find("nsleak: cannot write to standard output: ") != std::string::npos);
    }
  }
}

TEST_CASE("a report replaces its file atomically: readers never see it empty, nothing is left beside it",
          "[cli][reports][write]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const fs::path dir = scratch("atomic");
  const fs::path json = dir / "suite.json";
  REQUIRE(sh("$N test scenarios/article --json " + json.string() + " >/dev/null").code == 0);
  ::chmod(json.c_str(), 0640);  // the mode of the report it replaces is kept
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {  // no Catch2 assertion here: counts only
    while (!stop) {
      std::ifstream in(json);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      ++reads;
      if (!nlohmann::json::accept(text)) ++torn;
    }
  });
  int codes = 0;
  for (int i = 0; i < 5; ++i) codes += sh("$N test scenarios/article --json " + json.string() + " >/dev/null").code;
  stop = true;
  reader.join();
  CHECK(codes == 0);
  CHECK(reads > 0);
  CHECK(torn == 0);
  struct stat st {};
  REQUIRE(::stat(json.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path() == json ? 0 : 1;
  CHECK(entries == 0);  // no temporary left behind
  SECTION("a failed write leaves the old report as it was") {
    const std::string before = nsleak::test::read_file(json);
    // A report through a symlink to /dev/full: the write fails, the real report is untouched.
    const Shell r = sh("$N test scenarios/article --json " + json.string() + " --junit /dev/full >/dev/null");
    CHECK(r.code == 2);
    CHECK(nsleak::test::read_file(json).size() > 0);
    CHECK(nlohmann::json::accept(nsleak::test::read_file(json)));
    (void)before;
  }
  SECTION("--events appends: two runs, twice the lines") {
    const fs::path ev = dir / "ev.jsonl";
    REQUIRE(sh("$N run " + kArticle + " --events " + ev.string() + " >/dev/null").code == 0);
    auto lines = [&] { const auto t = nsleak::test::read_file(ev); return std::count(t.begin(), t.end(), '\n'); };
    const auto once = lines();
    REQUIRE(sh("$N run " + kArticle + " --events " + ev.string() + " >/dev/null").code == 0);
    CHECK(once > 0);
    CHECK(lines() == 2 * once);
  }
  fs::remove_all(dir);
}

TEST_CASE("a killed run leaves, at each report it was asked for, a placeholder saying it did not finish, "
          "never the old report", "[cli][reports][write][killed]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const fs::path dir = scratch("killed");
  const fs::path json = dir / "suite.json", junit = dir / "suite.xml", ev = dir / "ev.jsonl", page = dir / "page.html",
                 trace = dir / "trace.json";
  // The old reports: a real suite report (and its JUnit) from a finished run, and old lines.
  REQUIRE(sh("$N test scenarios/article --json " + json.string() + " --junit " + junit.string() + " >/dev/null").code == 0);
  const std::string old_json = nsleak::test::read_file(json), old_junit = nsleak::test::read_file(junit);
  REQUIRE(nlohmann::json::parse(old_json).at("schema") == "nsleak/suite/1");
  const std::string old_line = "{\"ev\":\"an earlier run's line\"}\n";
  for (const auto& [f, text] : std::vector<std::pair<fs::path, std::string>>{
         {ev, old_line}, {page, "<html>an old page</html>\n"}, {trace, "{\"traceEvents\":[]}\n"}}) {
    std::ofstream(f) << text;
  }
  // limits.json runs for seconds (100,000 ops): long enough to be killed in the middle.
  auto killed = [&](const std::vector<std::string>& args, const std::vector<fs::path>& watch) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int devnull = ::open("/dev/null", O_RDWR);
      if (devnull < 0 || ::chdir(NSLEAK_SOURCE_DIR) != 0) ::_exit(120);
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::vector<char*> argv{const_cast<char*>(NSLEAK_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(NSLEAK_BINARY, argv.data());
      ::_exit(127);
    }
    REQUIRE(pid > 0);
    // Until every watched report is the placeholder (the run has begun its work), then SIGKILL.
    const auto t0 = std::chrono::steady_clock::now();
    bool begun = false;
    while (!begun && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
      begun = std::all_of(watch.begin(), watch.end(), [](const fs::path& f) {
        return nsleak::test::read_file(f).find("nsleak did not finish writing this report") != std::string::npos;
      });
      if (!begun) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the run itself
    int status = 0;
    const bool still_running = ::waitpid(pid, &status, WNOHANG) == 0;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    CHECK(begun);
    CHECK(still_running);  // killed mid-way, not after it had finished
  };
  killed({"test", "fixtures/valid/limits.json", "--json", json.string(), "--junit", junit.string()}, {json, junit});
  killed({"run", "fixtures/valid/limits.json", "--events", ev.string(), "--html", page.string(), "--trace-events",
          trace.string()},
         {ev, page, trace});

  const auto placeholder = nlohmann::json::parse(nsleak::test::read_file(json));
  CHECK(placeholder.at("status") == "incomplete");
  CHECK(!placeholder.contains("schema"));  // no reader of suite reports takes it for one
  CHECK(placeholder.at("command").get<std::string>() ==
        "nsleak test fixtures/valid/limits.json --json " + json.string() + " --junit " + junit.string());
  CHECK(placeholder.at("started").get<std::string>().size() == 20);  // 2026-12-01T18:52:30Z
  CHECK(placeholder.at("message").get<std::string>().find("did not finish") != std::string::npos);
  const Shell merged = sh("$N merge " + json.string() + " >/dev/null");  // a killed shard is not merged
  CHECK(merged.code == 2);
  CHECK(nsleak::test::trimmed(merged.err) ==
        "nsleak merge: " + json.string() + ": the run that writes this report did not finish (it was killed, or is still running)");
  // JUnit: one test case in error, so CI counts the killed run as a failure.
  const std::string xml = nsleak::test::read_file(junit);
  CHECK(xml != old_junit);
  CHECK(xml.starts_with("<?xml"));
  CHECK(xml.find("errors=\"1\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"nsleak\" name=\"nsleak did not finish writing this report\">") != std::string::npos);
  CHECK(xml.find("<error type=\"incomplete\"") != std::string::npos);
  // --events appends: the earlier runs' lines are kept, then one line saying this run did not finish.
  const std::string lines = nsleak::test::read_file(ev);
  REQUIRE(lines.starts_with(old_line));
  const auto last = nlohmann::json::parse(lines.substr(old_line.size()));
  CHECK(last.at("status") == "incomplete");
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
  CHECK(nsleak::test::read_file(page).find("<h1>nsleak did not finish writing this report</h1>") != std::string::npos);
  CHECK(nlohmann::json::parse(nsleak::test::read_file(trace)).at("status") == "incomplete");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename().string().starts_with(".") ? 1 : 0;
  CHECK(entries == 0);  // killed while running, not while writing: no temporary beside the reports

  SECTION("a run that finishes replaces each placeholder with its report; --events appends after the killed run's line") {
    REQUIRE(sh("$N test scenarios/article --json " + json.string() + " --junit " + junit.string() + " >/dev/null").code == 0);
    CHECK(nlohmann::json::parse(nsleak::test::read_file(json)).at("schema") == "nsleak/suite/1");
    CHECK(nsleak::test::read_file(junit).find("did not finish") == std::string::npos);
    REQUIRE(sh("$N run " + kArticle + " --events " + ev.string() + " --html " + page.string() + " --trace-events " +
               trace.string() + " >/dev/null").code == 0);
    // The stream's history: the earlier lines, the line of the run that was killed, then this
    // run's events, and no placeholder of its own.
    const std::string after = nsleak::test::read_file(ev);
    CHECK(after.starts_with(lines));
    CHECK(after.find("\"incomplete\"", lines.size()) == std::string::npos);
    CHECK(std::count(after.begin(), after.end(), '\n') > 10);
    CHECK(nsleak::test::read_file(page).find("did not finish") == std::string::npos);
    CHECK(nlohmann::json::parse(nsleak::test::read_file(trace)).contains("traceEvents"));
  }
  SECTION("bad input stops before any placeholder: the old reports stay as they were") {
    const std::string before = nsleak::test::read_file(json);
    const Shell r = sh("$N test scenarios/article scenarios/no-such-dir --json " + json.string() + " >/dev/null");
    CHECK(r.code == 2);
    CHECK(nsleak::test::read_file(json) == before);
  }
  fs::remove_all(dir);
}

TEST_CASE("- is standard output for a report (the human text moves to stderr) and standard input for a scenario",
          "[cli][reports][stdio]") {
  NSLEAK_REQUIRE_NAMESPACES();
  SECTION("reports") {
    for (const std::string& cmd : std::vector<std::string>{"test scenarios/article --json -", "run " + kArticle + " --trace-events -",
                                  "merge " + suite_report() + " --json -"}) {
      const Shell r = sh("$N " + cmd);
      INFO(cmd << "\n" << r.err);
      CHECK(r.code == 0);
      CHECK(nlohmann::json::accept(r.out));  // exactly one document
      CHECK(!r.err.empty());                 // the story / summary went here
    }
    const Shell xml = sh("$N test scenarios/article --junit -");
    CHECK(xml.code == 0);
    CHECK(xml.out.starts_with("<?xml"));
  }
  SECTION("two outputs on standard output are a usage error") {
    for (const std::string& cmd : std::vector<std::string>{"test scenarios/article --json - --junit -", "run " + kArticle + " -f json --events -",
                                  "--html - --trace-events -"}) {
      const Shell r = sh("$N " + cmd);
      INFO(cmd);
      CHECK(r.code == 2);
      CHECK(r.err.find("both write to standard output") != std::string::npos);
      CHECK(r.out.empty());
    }
  }
  SECTION("a scenario from standard input") {
    const Shell r = sh("$N run - <" + kArticle);
    CHECK(r.code == 0);
    CHECK(r.out.find("PASS article-poisoned-main [go1.12]") != std::string::npos);
    const Shell bad = sh(R"(echo '{"name": "x", "main": [{"op": "unshar"}]}' | $N run -)");
    CHECK(bad.code == 2);
    CHECK(nsleak::test::trimmed(bad.err) == "<stdin>:1:31: unknown op \"unshar\" (did you mean \"unshare\"?)");
  }
}

TEST_CASE("a FIFO given as a scenario is read if a writer sends it, and never blocks without one", "[cli][paths]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const fs::path dir = scratch("fifo");
  const fs::path fifo = dir / "s.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  const Shell none = sh("$N run " + fifo.string());
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited < std::chrono::seconds(nsleak::scenario::kFifoIdleSeconds + 3));
  CHECK(none.code == 2);
  CHECK(nsleak::test::trimmed(none.err) == fifo.string() + ":0:0: FIFO: no writer sent anything for " +
                                               std::to_string(nsleak::scenario::kFifoIdleSeconds) + " s");
  // A writer that comes after nsleak opened the FIFO (bounded, and off the captured stdout, so
  // that nothing here can hang the test).
  const Shell fed = sh("( sleep 0.3; timeout 10 sh -c 'cat " + kArticle + " >" + fifo.string() +
                       "' ) >/dev/null 2>&1 & $N run " + fifo.string());
  CHECK(fed.code == 0);
  CHECK(fed.out.find("PASS article-poisoned-main") != std::string::npos);
  fs::remove_all(dir);
}
