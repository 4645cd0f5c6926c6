#include "harness/conform/conform_run.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/explore/explorer.hpp"
#include "harness/os/unique_fd.hpp"
#include "harness/runtime/policy.hpp"
#include "harness/scenario/parser.hpp"
#include "reports/go_export.hpp"

extern char** environ;

namespace nsleak::conform {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Runs argv in `cwd` with `env` added to ours; its stdout and stderr together, and its status
// (-1: it could not be started or was killed).
std::pair<int, std::string> run_tool(const std::vector<std::string>& argv, const std::string& cwd,
                                     const std::vector<std::string>& env) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return {-1, std::strerror(errno)};
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());  // later entries win in Go's os.Getenv
  std::vector<char*> a, ev;
  for (auto s : argv) a.push_back(::strdup(s.c_str()));
  a.push_back(nullptr);
  for (auto& s : envs) ev.push_back(s.data());
  ev.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(a[0], a.data(), ev.data());
    ::_exit(127);
  }
  for (auto* s : a) std::free(s);
  ::close(p[1]);
  std::string out = read_all(p[0]);
  ::close(p[0]);
  int st = 0;
  if (pid < 0 || ::waitpid(pid, &st, 0) < 0) return {-1, out};
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return static_cast<bool>(f.flush());
}

std::string end_of(const observe::Observation& o) {
  if (o.record.timed_out) return "timed out";
  if (o.record.term_signal != 0) return "killed by signal " + std::to_string(o.record.term_signal);
  if (o.record.exit_code != 0) return "exit status " + std::to_string(o.record.exit_code);
  return "";
}

// The model's side: go-order and an exploration under opt.policy, compared with `real`.
// `no_verdicts`: the real runs carry no kernel facts (recorded), so neither side's classes
// keep the outside verdicts.
Comparison against_model(const scenario::Scenario& sc, const ConformOptions& opt, const std::vector<Observable>& real,
                         bool no_verdicts, long& schedules) {
  runner::RunOptions ro;
  ro.policy = opt.policy;
  ro.sandbox.timeout_s = opt.timeout_s;
  ro.sandbox.force_userns = opt.force_userns;
  Observable go_order = observable_of(runner::run_scenario(sc, ro));
  explore::ExploreOptions eo;
  eo.run = ro;
  eo.budget = opt.budget;
  eo.jobs = opt.jobs;
  eo.shrink = false;  // conform needs what is reachable, not the shortest way there
  std::mutex mu;
  std::vector<Observable> reached;
  eo.on_run = [&](const runner::RunReport& rep) {
    Observable o = observable_of(rep);
    std::lock_guard lock(mu);
    reached.push_back(std::move(o));
  };
  const auto ex = explore::explore(sc, eo);
  schedules = ex.schedules + 1;
  if (no_verdicts) {
    go_order.verdicts.clear();
    for (auto& o : reached) o.verdicts.clear();
  }
  return compare(real, reached, go_order);
}

// A recorded run's end as end_of says it: its {"exit_status": N} line; "" without one or for 0.
std::string recorded_end(const std::string& text) {
  std::istringstream in(text);
  std::string line, end;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("exit_status") && j["exit_status"].is_number_integer() && j["exit_status"].get<int>() != 0)
      end = "exit status " + std::to_string(j["exit_status"].get<int>());
  }
  return end;
}

}  // namespace

std::string go_version(const std::string& go) {
  const auto [rc, out] = run_tool({go, "version"}, "", {});
  const auto at = out.find("go1.");
  if (rc != 0 || at == std::string::npos) return "";
  return out.substr(at, out.find_first_of(" \n", at) - at);
}

std::string policy_for(const std::string& version) {
  int minor = -1;
  if (version.rfind("go1.", 0) == 0) minor = std::atoi(version.c_str() + 4);
  if (minor < 0) return "";
  // The presets are named go1.N after the release whose behaviour they model; go1.12 is the
  // one that models current Go's LockOSThread, go1.16 adds AllThreadsSyscall, which the
  // exported programs' syscall.Setuid/Setgid go through from Go 1.16 on.
  if (minor >= 16) return "go1.16";
  if (minor >= 12) return "go1.12";
  std::string best;
  int best_minor = -1;
  for (const auto& n : rt::policy_names()) {
    if (n.rfind("go1.", 0) != 0) continue;
    const int m = std::atoi(n.c_str() + 4);
    if (m <= minor && m > best_minor) best = n, best_minor = m;
  }
  return best;
}

ScenarioResult conform_scenario(const scenario::Scenario& sc, const ConformOptions& opt) {
  ScenarioResult r;
  r.scenario = sc.name;
  r.file = sc.file;
  if (!opt.recorded.empty()) {
    std::vector<Observable> real;
    for (const auto& f : opt.recorded) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        r.build_error = "cannot read the recorded run " + f;
        return r;
      }
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      real.push_back(observable_of(parse_go_lines(text), observe::TreeAnalysis{}, recorded_end(text)));
      ++r.go_runs;
    }
    r.cmp = against_model(sc, opt, real, true, r.schedules);
    return r;
  }
  std::string program;
  try {
    program = reports::go_program(sc);
  } catch (const scenario::ParseError& e) {
    r.skipped = e.what();
    return r;
  }
  const std::string dir = opt.workdir + "/" + sc.name;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    r.build_error = "cannot create " + dir + ": " + std::strerror(errno);
    return r;
  }
  if (!write_file(dir + "/main.go", program) ||
      !write_file(dir + "/go.mod", "module nsleak.invalid/" + sc.name + "\n\ngo 1.19\n")) {
    r.build_error = "cannot write " + dir + "/main.go";
    return r;
  }
  // Offline and standard library only, as export's go.mod promises; the caller's GOCACHE (or
  // Go's default under $HOME) keeps the standard library compiled between invocations.
  std::vector<std::string> env{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GO111MODULE=on"};
  if (std::getenv("GOCACHE") == nullptr && std::getenv("HOME") == nullptr && std::getenv("XDG_CACHE_HOME") == nullptr)
    env.push_back("GOCACHE=" + opt.workdir + "/gocache");
  const auto [rc, out] = run_tool({opt.go, "build", "-o", "program", "."}, dir, env);
  if (rc != 0) {
    r.build_error = out.empty() ? "go build did not run" : out;
    return r;
  }

  std::vector<Observable> real;
  for (int i = 0; i < opt.runs; ++i) {
    os::UniqueFd out_fd(::memfd_create("conform-stdout", MFD_CLOEXEC));
    observe::ObserveOptions oo;
    oo.timeout_s = opt.timeout_s;
    oo.force_userns = opt.force_userns;
    oo.stdout_fd = out_fd.get();
    const auto o = observe::observe_command({dir + "/program"}, oo);
    if (!o.record.env_error.empty()) {
      r.skipped = "this environment cannot run namespaces: " + o.record.env_error;
      return r;
    }
    ::lseek(out_fd.get(), 0, SEEK_SET);
    real.push_back(observable_of(parse_go_lines(read_all(out_fd.get())), o.analysis, end_of(o)));
    ++r.go_runs;
  }

  r.cmp = against_model(sc, opt, real, false, r.schedules);
  return r;
}

}  // namespace nsleak::conform
