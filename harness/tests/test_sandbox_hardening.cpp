// The sandbox child as a hostile program would find it (issue 12, item 10): a seccomp
// allowlist (anything else stops the run as sandbox-violation, naming the call, with the
// partial trace), only the capabilities the ops need, no inherited fds, a fixed environment,
// and the exec probe by absolute path.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "harness/os/exec_probe.hpp"
#include "harness/os/state_ops.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/runtime/child_exit.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/runtime/runtime.hpp"
#include "harness/sandbox/clean_process.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/tests/support.hpp"
#include "harness/verdict/verdict_kind.hpp"

using namespace nsleak;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A program that notes, then makes `call`; the note must survive the violation.
sandbox::RunRecord violate(const std::function<void()>& call) {
  test::Program p;
  return test::run_program(p, [call] {
    test::note("before");
    call();
    test::note("after");
  });
}

// "/proc/thread-self/status" field `key`, e.g. "CapEff".
std::string status_field(const std::string& key) {
  std::ifstream in("/proc/thread-self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key + ":")) {
      const auto v = line.find_first_not_of(" \t", key.size() + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  return "";
}

scenario::Scenario parse(const std::string& text) {
  return scenario::parse_scenario(text, "t.json",
                                  scenario::ParseOptions{rt::policy_names(), verdict::verdict_names()});
}

}  // namespace

TEST_CASE("a syscall outside the allowlist stops the child, named, with the partial trace", "[sandbox][seccomp]") {
  NSLEAK_REQUIRE_NAMESPACES();
  SECTION("a syscall never allowed") {
    const auto r = violate([] { ::syscall(SYS_personality, 0xffffffffUL); });
    CHECK(r.exit_code == rt::kChildExitSandboxViolation);
    CHECK(r.sandbox_violation.starts_with("personality(0xffffffff, "));  // then the raw registers
    CHECK(test::notes(r, "before").size() == 1);
    CHECK(test::notes(r, "after").empty());
  }
  SECTION("unshare with a flag outside the state table") {
    const auto r = violate([] { ::unshare(CLONE_NEWUSER); });
    CHECK(r.sandbox_violation == "unshare(0x10000000)");
    CHECK(test::notes(r, "before").size() == 1);
  }
  SECTION("setns with nstype 0 (any namespace type)") {
    const auto r = violate([] { ::setns(0, 0); });
    CHECK(r.sandbox_violation == "setns(0, 0)");
  }
  SECTION("clone with fork's flags (a new process, not a thread or posix_spawn)") {
    const auto r = violate([] { ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); });
    CHECK(r.sandbox_violation == "clone(0x11)");
  }
  SECTION("kill of another process (the filter's kill and tgkill rules hold the child's own pid)") {
    const auto r = violate([] { ::kill(::getppid(), 0); });
    CHECK(r.sandbox_violation.starts_with("kill("));
    CHECK(test::notes(r, "before").size() == 1);
  }
  SECTION("ptrace") {
    const auto r = violate([] { ::syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0); });
    CHECK(contains(r.sandbox_violation, "ptrace("));
  }
}

TEST_CASE("the allowlist lets the runtime, the observer and the ops run: threads, namespaces, exec", "[sandbox][seccomp]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  const auto r = test::run_program(p, [] {
    rt::LockOSThread();
    os::NsHandle origin;
    const bool opened = os::open_current(os::StateKind::Net, origin).ok();
    const bool unshared = os::unshare_state(os::StateKind::Net).ok();
    const bool back = os::set_ns(origin).ok();
    os::StateValue v;
    const bool exec = os::exec_probe(os::StateKind::Net, v).ok();
    rt::UnlockOSThread();
    test::note("ops", {{"open", opened}, {"unshare", unshared}, {"setns", back}, {"exec", exec}});
  });
  INFO(r.sandbox_violation << test::fault(r));
  CHECK(r.sandbox_violation.empty());
  CHECK(test::completed(r));
  const auto ops = test::notes(r, "ops");
  REQUIRE(ops.size() == 1);
  CHECK(ops[0]["open"] == true);
  CHECK(ops[0]["unshare"] == true);
  CHECK(ops[0]["setns"] == true);
  CHECK(ops[0]["exec"] == true);
}

TEST_CASE("a scenario's test-only op is a sandbox-violation outcome naming the call, trace kept",
          "[sandbox][seccomp][cli]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const std::string text = R"({"name": "escape", "main": [{"op": "get", "as": "here"},
    {"op": "test_forbidden_syscall"}, {"op": "get", "as": "never"}], "expect": {"go1.12": {}}})";
  ::unsetenv(scenario::kTestOpsEnv);
  try {
    parse(text);
    FAIL("the test-only op parsed without " << scenario::kTestOpsEnv << "=1");
  } catch (const scenario::ParseError& e) {
    CHECK(std::string(e.what()) == "t.json:2:12: unknown op \"test_forbidden_syscall\"");
  }
  ::setenv(scenario::kTestOpsEnv, "1", 1);
  const auto sc = parse(text);
  ::unsetenv(scenario::kTestOpsEnv);
  const auto r = runner::run_scenario(sc, runner::RunOptions{});
  INFO(r.judgement.reason);
  CHECK(r.judgement.outcome == verdict::Outcome::SandboxViolation);
  CHECK(std::string(verdict::outcome_name(r.judgement.outcome)) == "sandbox-violation");
  CHECK(contains(r.judgement.reason, "sandbox violation: the program made the syscall personality(0xffffffff"));
  CHECK(r.analysis.steps >= 1);  // the first get is in the trace
  for (const auto& name : scenario::op_names()) CHECK(name != "test_forbidden_syscall");  // not public
}

TEST_CASE("the child keeps only the capabilities the ops need, no_new_privs and seccomp on", "[sandbox][caps]") {
  NSLEAK_REQUIRE_NAMESPACES();
  test::Program p;
  const auto r = test::run_program(p, [] {
    test::note("status", {{"eff", status_field("CapEff")}, {"bnd", status_field("CapBnd")},
                          {"amb", status_field("CapAmb")}, {"nnp", status_field("NoNewPrivs")},
                          {"seccomp", status_field("Seccomp")}});
  });
  const auto st = test::notes(r, "status");
  REQUIRE(st.size() == 1);
  // CAP_SETGID 6, CAP_SETUID 7, CAP_SYS_CHROOT 18, CAP_SYS_ADMIN 21, CAP_SYS_NICE 23
  const std::uint64_t kept = (1ull << 6) | (1ull << 7) | (1ull << 18) | (1ull << 21) | (1ull << 23);
  const auto eff = std::stoull(st[0]["eff"].get<std::string>(), nullptr, 16);
  const auto bnd = std::stoull(st[0]["bnd"].get<std::string>(), nullptr, 16);
  CHECK((eff & ~kept) == 0);
  CHECK((bnd & ~kept) == 0);
  CHECK((eff & (1ull << 21)) != 0);  // CAP_SYS_ADMIN, in whichever user namespace the child is
  CHECK(std::stoull(st[0]["amb"].get<std::string>(), nullptr, 16) == 0);
  CHECK(st[0]["nnp"] == "1");
  CHECK(st[0]["seccomp"] == "2");
}

TEST_CASE("the child inherits no fds above stderr and a fixed environment", "[sandbox][hygiene]") {
  NSLEAK_REQUIRE_NAMESPACES();
  const int leaked = ::open("/dev/zero", O_RDONLY);  // no O_CLOEXEC: fork would pass it on
  REQUIRE(leaked > 2);
  ::setenv("NSLEAK_TEST_SECRET", "from the invoker", 1);
  test::Program p;
  const auto r = test::run_program(p, [leaked] {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    // The number may be reused by the child's own files: what matters is what it names.
    char target[256] = {};
    const std::string fd_link = "/proc/self/fd/" + std::to_string(leaked);
    const bool open = ::readlink(fd_link.c_str(), target, sizeof target - 1) > 0 && std::string(target) == "/dev/zero";
    int zero_fds = 0;  // any fd at all on /dev/zero
    for (int fd = 0; fd < 1024; ++fd) {
      const std::string l = "/proc/self/fd/" + std::to_string(fd);
      char t[256] = {};
      if (::readlink(l.c_str(), t, sizeof t - 1) > 0 && std::string(t) == "/dev/zero") ++zero_fds;
    }
    test::note("clean", {{"leaked_open", open}, {"zero_fds", zero_fds}, {"env", env}});
  });
  ::close(leaked);
  ::unsetenv("NSLEAK_TEST_SECRET");
  const auto c = test::notes(r, "clean");
  REQUIRE(c.size() == 1);
  CHECK(c[0]["leaked_open"] == false);
  CHECK(c[0]["zero_fds"] == 0);
  CHECK(c[0]["env"] == nlohmann::json::array({std::string("PATH=") + sandbox::kSandboxPath, "LC_ALL=C"}));
}

TEST_CASE("the exec probe runs stat by absolute path: a fake stat earlier in PATH never runs", "[sandbox][exec]") {
  NSLEAK_REQUIRE_NAMESPACES();
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("nsleak-fake-stat-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path marker = dir / "ran";
  {
    std::ofstream fake(dir / "stat");
    fake << "#!/bin/sh\ntouch " << marker.string() << "\necho 1:1\n";
  }
  fs::permissions(dir / "stat", fs::perms::owner_all);
  test::Program p;
  const auto r = test::run_program(p, [dir] {
    ::setenv("PATH", (dir.string() + ":" + sandbox::kSandboxPath).c_str(), 1);  // as a hostile invoker would
    os::StateValue v;
    const auto res = os::exec_probe(os::StateKind::Net, v);
    test::note("exec", {{"ok", res.ok()}, {"call", res.call}, {"value", v.str()}});
  });
  const auto e = test::notes(r, "exec");
  REQUIRE(e.size() == 1);
  CHECK(e[0]["ok"] == true);
  CHECK(contains(e[0]["call"].get<std::string>(), std::string("posix_spawn(") + os::stat_program()));
  CHECK(e[0]["value"] != "1:1");
  CHECK(!fs::exists(marker));
  CHECK(std::string(os::stat_program()).starts_with("/"));
  fs::remove_all(dir);
}
