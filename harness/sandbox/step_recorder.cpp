#include "harness/sandbox/step_recorder.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "harness/runtime/sched.hpp"

namespace nsleak::sandbox {

void StepRecorder::write_line(const nlohmann::json& ev) {
  line_.clear();
  nlohmann::detail::serializer<nlohmann::json> ser(nlohmann::detail::output_adapter<char>(line_), ' ',
                                                   nlohmann::json::error_handler_t::replace);
  ser.dump(ev, false, false, 0);
  if (!out_.append(line_)) ::_exit(4);  // trace full: the parent reports the overflow
}

void StepRecorder::event(nlohmann::json ev, bool snapshot) {
  nlohmann::json tasks;
  if (snapshot) tasks = snapshot_and_check();  // may report a disagreement first
  ev["seq"] = seq_++;
  ev["us"] = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - start_).count();
  if (snapshot) ev["tasks"] = std::move(tasks);
  write_line(ev);
}

void StepRecorder::int_event(const char* kind, std::span<const IntField> fields) {
  // Keys and kinds are the runtime's own identifiers: nothing here needs JSON escaping.
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "{\"ev\":\"%s\"", kind);
  for (const auto& [key, value] : fields)
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ",\"%s\":%lld", key,
                       static_cast<long long>(value));
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ",\"seq\":%ld,\"us\":%lld}", seq_++,
                     static_cast<long long>(us));
  if (n >= static_cast<int>(sizeof buf) || !out_.append(std::string_view(buf, static_cast<std::size_t>(n)))) ::_exit(4);
}

// The kernel's view of every task, with the M each tid belongs to. Any difference from the
// runtime's bookkeeping (an unknown task, a missing M, a namespace the runtime did not
// predict) is a harness bug, reported as its own event.
nlohmann::json StepRecorder::snapshot_and_check() {
  const auto tasks = observer_.snapshot();
  std::map<pid_t, const rt::M*> by_tid;
  for (const auto& m : rt::sched().allm)
    if (!m->joined && m->tid != 0) by_tid[m->tid] = m.get();

  nlohmann::json out = nlohmann::json::array();
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& t : tasks) {
    nlohmann::json row{{"tid", t.tid}};
    auto it = by_tid.find(t.tid);
    if (it == by_tid.end()) {
      problems.push_back("task " + std::to_string(t.tid) + " belongs to no M");
    } else {
      const rt::M* m = it->second;
      row["m"] = m->id;
      for (auto k : os::kAllKinds) {
        if (!observer_.observes(k)) continue;
        const auto seen = t.state[os::index(k)];
        if (seen != m->ns[os::index(k)])
          problems.push_back(m->label() + " (tid " + std::to_string(t.tid) + ") is in " +
                             os::kind_name(k) + " " + seen.str() + " but the runtime thinks " +
                             m->ns[os::index(k)].str());
      }
      by_tid.erase(it);
    }
    for (auto k : os::kAllKinds)
      if (observer_.observes(k)) row[os::kind_name(k)] = t.state[os::index(k)].str();
    out.push_back(std::move(row));
  }
  for (const auto& [tid, m] : by_tid)
    if (!m->exited()) problems.push_back(m->label() + " (tid " + std::to_string(tid) + ") has no task");
  if (!problems.empty())
    write_line({{"ev", "disagreement"}, {"seq", seq_++}, {"problems", problems}});
  return out;
}

}  // namespace nsleak::sandbox
