// --events and --trace-events are streamed into their files one event at a time (issue 12):
// the text is the same as the whole tree's dump was, and a 100,000-op run is written with
// bounded memory.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/scenario_loader.hpp"
#include "harness/os/sanitizer_build.hpp"
#include "harness/runner/run_report.hpp"
#include "harness/trace/names.hpp"
#include "harness/tests/support.hpp"
#include "reports/event_json.hpp"
#include "reports/go_call.hpp"
#include "reports/ns_names.hpp"
#include "reports/trace_events.hpp"
#include "reports/trace_names.hpp"

namespace {

using namespace nsleak;
using namespace nsleak::reports;
using nlohmann::json;

// The oracle: trace_events() as it was before it streamed (reports/trace_events.cpp at
// f2dbb07), building the whole tree and patching each slice's dur when its thread moves on.
// Kept verbatim so that the streamed writer is held to the old text byte for byte.
json meta(const char* name, int pid, std::int64_t tid, json args) {
  json j{{"ph", "M"}, {"name", name}, {"pid", pid}, {"args", std::move(args)}};
  if (tid >= 0) j["tid"] = tid;
  return j;
}

// One run: pid `pid`, a track per M (tid = the M's id, named with its kernel tid and role).
void old_run_events(json& out, const runner::RunReport& r, int pid, std::int64_t& flow_id) {
  const TraceNames names(r);
  const NsNames ns(r);
  const auto& events = r.record.events;
  out.push_back(meta("process_name", pid, -1, {{"name", r.scenario + " [" + r.policy + "]"}}));
  for (const auto& t : r.analysis.threads) {
    out.push_back(meta("thread_name", pid, t.m,
                       {{"name", "m" + std::to_string(t.m) + " tid " + std::to_string(t.tid) + " (" +
                                     trace::role_name(t.role) + ")"}}));
    out.push_back(meta("thread_sort_index", pid, t.m, {{"sort_index", t.m}}));
  }
  // A slice lasts until its thread's next slice (or just past the run's last event): ops are
  // instants in the trace, and a viewer needs a width to draw and to bind flows to.
  const std::int64_t end_us = events.empty() ? 0 : events.back().us;
  std::map<std::int64_t, std::int64_t> us_of;  // seq -> us, for the verdicts
  for (const auto& ev : events)
    if (ev.seq >= 0) us_of[ev.seq] = ev.us;
  std::map<trace::MId, std::size_t> last;  // M -> index in `out` of its open slice
  auto close = [&](trace::MId m, std::int64_t us) {
    const auto it = last.find(m);
    if (it == last.end()) return;
    auto& s = out[it->second];
    s["dur"] = std::max<std::int64_t>(0, us - s["ts"].get<std::int64_t>());
    last.erase(it);
  };
  std::map<trace::GoId, json> pending_go;  // child -> the flow start, until the child's first op
  for (const auto& ev : events) {
    if (const auto* op = ev.as<trace::Op>()) {
      close(op->m, ev.us);
      const scenario::Op* o = names.op(op->op);
      json args{{"g", op->g}, {"fn", names.fn(op->g)}, {"label", names.label(op->op)}, {"line", names.line(op->op)},
                {"tid", op->tid}, {"locked", op->locked}};
      std::string cat;
      for (const auto& s : ev.states) {
        const std::string k = TraceNames::kind(s.kind);
        args[k] = ns.show(s.kind, s.now);
        args["belief_" + k] = ns.show(s.kind, s.belief);
        const std::string n = ns.name(s.now);
        cat += (cat.empty() ? "" : ",") + k + ":" + (n.empty() ? s.now.str() : n);
      }
      out.push_back({{"ph", "X"}, {"name", o != nullptr ? go_call(*o) : names.op_name(op->op)},
                     {"cat", cat.empty() ? "op" : cat}, {"pid", pid}, {"tid", op->m}, {"ts", ev.us}, {"dur", 0},
                     {"args", args}});
      last[op->m] = out.size() - 1;
      if (const auto it = pending_go.find(op->g); it != pending_go.end()) {
        out.push_back(it->second);
        out.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "go"}, {"cat", "go"}, {"id", it->second["id"]},
                       {"pid", pid}, {"tid", op->m}, {"ts", ev.us}});
        pending_go.erase(it);
      }
      if (op->child != trace::kNoG)
        pending_go[op->child] = {{"ph", "s"}, {"name", "go"}, {"cat", "go"}, {"id", ++flow_id}, {"pid", pid},
                                 {"tid", op->m}, {"ts", ev.us}};
    } else if (const auto* nm = ev.as<trace::NewM>()) {
      // The clone as a short slice on both threads, joined by a flow.
      const std::string what = std::string("clone (") + trace::via_name(nm->via) + ")";
      ++flow_id;
      for (const auto m : {nm->from_m, nm->m}) {
        close(m, ev.us);
        out.push_back({{"ph", "X"}, {"name", what}, {"cat", "clone"}, {"pid", pid}, {"tid", m}, {"ts", ev.us},
                       {"dur", 0}, {"args", {{"role", trace::role_name(nm->role)}, {"tid", nm->tid}, {"from_tid", nm->from_tid}}}});
        last[m] = out.size() - 1;
      }
      out.push_back({{"ph", "s"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
                     {"tid", nm->from_m}, {"ts", ev.us}});
      out.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "clone"}, {"cat", "clone"}, {"id", flow_id}, {"pid", pid},
                     {"tid", nm->m}, {"ts", ev.us}});
    } else if (const auto* mx = ev.as<trace::MExit>()) {
      close(mx->m, ev.us);
      out.push_back({{"ph", "i"}, {"s", "t"}, {"name", "thread exits"}, {"cat", "thread"}, {"pid", pid},
                     {"tid", mx->m}, {"ts", ev.us}});
    }
  }
  while (!last.empty()) close(last.begin()->first, end_us + 1);
  for (const auto& v : r.analysis.verdicts)
    out.push_back({{"ph", "i"}, {"s", "t"}, {"name", verdict::verdict_name(v.kind)}, {"cat", "verdict"},
                   {"pid", pid}, {"tid", v.m >= 0 ? v.m : 0},
                   {"ts", us_of.count(v.seq) ? us_of[v.seq] : end_us}});
}

json old_trace_events(const std::vector<runner::RunReport>& runs) {
  json out = json::array();
  std::int64_t flow_id = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) old_run_events(out, runs[i], static_cast<int>(i + 1), flow_id);
  return {{"traceEvents", std::move(out)},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"producer", "nsleak"}, {"runs", runs.size()}}}};
}


const char* const kLibraryRuns[] = {"scenarios/article/article-poisoned-main.json",
                                    "scenarios/cni/cni-long-lived-multithreaded.json",
                                    "scenarios/beyond-netns/uts-clone-from-dying-thread.json"};

runner::RunReport run_library(const char* file) {
  const auto sc = cli::load(std::string(NSLEAK_SOURCE_DIR) + "/" + file);
  runner::RunOptions opt;
  opt.sandbox.timeout_s = 60;
  return runner::run_scenario(sc, opt);
}

}  // namespace

TEST_CASE("the streamed --trace-events and --events are exactly the text the whole tree gave", "[reports][stream]") {
  NSLEAK_REQUIRE_NAMESPACES();
  std::vector<runner::RunReport> runs;
  for (const char* file : kLibraryRuns) {
    runs.push_back(run_library(file));
    INFO(file << ": " << runs.back().judgement.reason);
    CHECK(runs.back().analysis.steps > 5);
  }
  // One run at a time, then all of them in one document (pids and flow ids run on).
  for (std::size_t i = 0; i <= runs.size(); ++i) {
    const std::vector<runner::RunReport> some =
      i < runs.size() ? std::vector<runner::RunReport>{runs[i]} : runs;
    std::ostringstream streamed;
    write_trace_events(streamed, some);
    INFO("runs: " << (i < runs.size() ? kLibraryRuns[i] : "all"));
    CHECK(streamed.str() == old_trace_events(some).dump() + "\n");
  }
  for (const auto& r : runs) {
    std::string whole;
    const EventJson event_json(r);
    for (const auto& ev : r.record.events) whole += event_json(ev).dump() + "\n";
    std::ostringstream streamed;
    write_event_lines(streamed, r);
    CHECK(streamed.str() == whole);
  }
}

TEST_CASE("--events and --trace-events of 100,000 ops stream: bounded memory, done inside the timeout",
          "[cli][limits][reports][stream]") {
  NSLEAK_REQUIRE_NAMESPACES();
  // limits.json makes about 700,000 events: --events was one 76 MB string, --trace-events a tree
  // of every trace event (gigabytes). Streamed, the parent holds the run's typed trace and one
  // event's text; the peak resident set stays the sandbox child's (its trace, about 590 MB).
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("nsleak-stream-events-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string ev = (dir / "ev.jsonl").string(), trace = (dir / "trace.json").string();
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull < 0 || ::chdir(NSLEAK_SOURCE_DIR) != 0) ::_exit(120);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(NSLEAK_BINARY, NSLEAK_BINARY, "run", "fixtures/valid/limits.json", "--events", ev.c_str(), "--trace-events",
            trace.c_str(), nullptr);
    ::_exit(127);
  }
  REQUIRE(pid > 0);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);  // ru_maxrss: the largest of nsleak and the children it waited for
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  INFO("took " << took << " s, peak resident set " << ru.ru_maxrss / 1024 << " MiB");
  // The run itself (about 4 s) and its 700,000 lines of JSON (about 9 s; EventJson's cost, the
  // same as before streaming): 13 s on a quiet 2-core machine, 44 s at load 16.
  CHECK(took < 60);
  // KiB: under 1 GiB. An ASan build holds up to 256 MiB of freed memory in its quarantine
  // (quarantine_size_mb's default) and an eighth of the heap again as shadow: 1,035 MiB under
  // ci/sanitize asan. The unstreamed tree was gigabytes either way.
  const long bound_kib = 1024L * 1024 + (nsleak::os::kAddressSanitizer ? (256L + 128) * 1024 : 0);
  CHECK(ru.ru_maxrss < bound_kib);
  std::ifstream lines(ev);
  std::size_t n = 0;
  std::string line;
  bool all_valid = true;
  while (std::getline(lines, line)) {
    ++n;
    if (n % 1000 == 1) all_valid = all_valid && json::accept(line);  // a sample of the lines: each is one object
  }
  CHECK(all_valid);
  CHECK(n > 100000);
  std::ifstream te(trace);
  CHECK(json::accept(te));  // one valid document, checked without building it
  fs::remove_all(dir);
}
