#include "reports/observe_report.hpp"

#include <linux/sched.h>

#include <cstdio>
#include <sstream>

#include "harness/sandbox/notify_filter.hpp"
#include "reports/ns_names.hpp"
#include "reports/prose.hpp"

namespace nsleak::reports {
namespace {

using observe::Call;

// strace's names; the namespace flags come from the state table.
constexpr std::pair<std::uint64_t, const char*> kCloneFlags[] = {
    {CLONE_VM, "CLONE_VM"},         {CLONE_FS, "CLONE_FS"},
    {CLONE_FILES, "CLONE_FILES"},   {CLONE_SIGHAND, "CLONE_SIGHAND"},
    {CLONE_PIDFD, "CLONE_PIDFD"},   {CLONE_PTRACE, "CLONE_PTRACE"},
    {CLONE_VFORK, "CLONE_VFORK"},   {CLONE_PARENT, "CLONE_PARENT"},
    {CLONE_THREAD, "CLONE_THREAD"}, {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
    {CLONE_SETTLS, "CLONE_SETTLS"}, {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
    {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"}, {CLONE_UNTRACED, "CLONE_UNTRACED"},
    {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"}, {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWPID, "CLONE_NEWPID"}, {CLONE_IO, "CLONE_IO"}};

std::string flag_names(std::uint64_t flags, bool with_signal) {
  std::string out;
  auto put = [&](const char* n) { out += (out.empty() ? "" : "|") + std::string(n); };
  for (const auto& row : os::state_kinds())
    if (os::is_namespace(row.kind) && (flags & static_cast<std::uint64_t>(row.clone_flag))) {
      put(row.flag_name);
      flags &= ~static_cast<std::uint64_t>(row.clone_flag);
    }
  for (const auto& [bit, name] : kCloneFlags)
    if (flags & bit) {
      put(name);
      flags &= ~bit;
    }
  if (with_signal && (flags & 0xff) == 17) {  // SIGCHLD, the exit signal in clone's low byte
    put("SIGCHLD");
    flags &= ~std::uint64_t{0xff};
  }
  if (flags != 0) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(flags));
    put(hex);
  }
  return out.empty() ? "0" : out;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

// An id argument as strace prints it: -1 ("unchanged") for (uid_t)-1.
std::string id_arg(std::uint64_t a) {
  const auto id = static_cast<std::uint32_t>(a);
  return id == 0xffffffffu ? std::string("-1") : std::to_string(id);
}
std::string int_arg(std::uint64_t a) { return std::to_string(static_cast<int>(a)); }

nlohmann::json state_json(const os::StateSet& s, unsigned mask) {
  nlohmann::json j = nlohmann::json::object();
  for (os::StateKind k : os::kAllKinds)
    if (mask & (1u << os::index(k))) j[os::kind_name(k)] = s[os::index(k)].str();
  return j;
}

}  // namespace

std::string syscall_text(const observe::KernelEvent& ev) {
  const std::string name = observe::call_name(ev.call);
  const auto flags = [&](bool sig) { return ev.flags ? flag_names(*ev.flags, sig) : std::string("?"); };
  switch (ev.call) {
    case Call::Setns:
      return name + "(" + std::to_string(static_cast<int>(ev.args[0])) + (ev.target.empty() ? "" : "<" + ev.target + ">") +
             ", " + flags(false) + ")";
    case Call::Unshare: return name + "(" + flags(false) + ")";
    case Call::Clone: return name + "(flags=" + flags(true) + ")";
    case Call::Clone3: return name + "({flags=" + flags(false) + "}, " + std::to_string(ev.args[1]) + ")";
    case Call::Fork:
    case Call::Vfork: return name + "()";
    case Call::Execve:
    case Call::Execveat: return name + "(" + (ev.target.empty() ? std::string("?") : quoted(ev.target)) + ", ...)";
    case Call::Exit:
    case Call::ExitGroup: return name + "(" + int_arg(ev.args[0]) + ")";
    case Call::Chdir: return name + "(" + (ev.target.empty() ? std::string("?") : quoted(ev.target)) + ")";
    case Call::Fchdir: return name + "(" + int_arg(ev.args[0]) + (ev.target.empty() ? "" : "<" + ev.target + ">") + ")";
    case Call::Setuid:
    case Call::Setgid:
    case Call::Setfsuid:
    case Call::Setfsgid: return name + "(" + id_arg(ev.args[0]) + ")";
    case Call::Setreuid:
    case Call::Setregid: return name + "(" + id_arg(ev.args[0]) + ", " + id_arg(ev.args[1]) + ")";
    case Call::Setresuid:
    case Call::Setresgid:
      return name + "(" + id_arg(ev.args[0]) + ", " + id_arg(ev.args[1]) + ", " + id_arg(ev.args[2]) + ")";
    case Call::Setgroups: return name + "(" + int_arg(ev.args[0]) + ", ...)";
    case Call::SchedSetaffinity: return name + "(" + int_arg(ev.args[0]) + ", " + int_arg(ev.args[1]) + ", ...)";
    case Call::Setpriority: {
      static const char* which[] = {"PRIO_PROCESS", "PRIO_PGRP", "PRIO_USER"};
      const std::string w = ev.args[0] < 3 ? which[ev.args[0]] : int_arg(ev.args[0]);
      return name + "(" + w + ", " + int_arg(ev.args[1]) + ", " + int_arg(ev.args[2]) + ")";
    }
  }
  return name;
}

std::string observe_story(const observe::Observation& o) {
  const auto& a = o.analysis;
  const auto& log = o.log;
  const ObserveProse prose(log, a);
  std::ostringstream s;
  std::string cmd;
  for (const auto& w : o.argv) cmd += (cmd.empty() ? "" : " ") + w;
  s << "nsleak observe: " << cmd << " (pid " << log.root << ")";
  if (o.record.timed_out) s << ", killed after the timeout";
  else if (o.record.term_signal != 0) s << ", killed by signal " << o.record.term_signal;
  else s << ", exit status " << o.record.exit_code;
  s << ", " << static_cast<long long>(o.record.wall_ms + 0.5) << " ms"
    << (o.record.userns ? ", through a user namespace" : "") << "\n";
  std::string origin;
  for (os::StateKind k : os::kAllKinds)
    if (log.kinds_mask & (1u << os::index(k)))
      origin += (origin.empty() ? "" : ", ") + kernel_id(static_cast<trace::KindIndex>(os::index(k)), a.origin[os::index(k)]);
  s << "origin: " << origin << "\n";

  std::string traced;
  for (const char* n : sandbox::kNotifiedSyscalls) traced += (traced.empty() ? "" : ",") + std::string(n);
  s << "\nsyscalls (what strace -f -e " << traced << " shows):\n";
  for (const auto& ev : log.events)
    s << "  #" << ev.seq << " [pid " << ev.tid << "] " << syscall_text(ev) << "\n";
  if (!a.moves.empty()) {
    // A kind every live thread of a process moved to together is the process's from then on:
    // not a leak, the baseline each thread is judged against (analyze_tree.hpp).
    s << "\nprocess-wide changes (every live thread seen with the new value):\n";
    for (const auto& m : a.moves) s << "  " << prose.move(m) << "\n";
  }

  s << "\nthreads:\n";
  for (const auto& t : a.threads) {
    s << "  " << ObserveProse::thread(t.pid, t.tid) << ": " << prose.life(t) << "\n";
    for (std::size_t i = 1; i < t.timeline.size(); ++i) s << "      " << prose.change(t, t.timeline[i]) << "\n";
  }

  s << "\n";
  if (a.findings.empty()) s << "no verdicts: every thread the program ended with is in its process's state\n";
  for (const auto& f : a.findings)
    s << "  " << verdict::verdict_name(f.kind) << ": " << prose.summary(f) << " (#" << f.seq << ")"
      << (verdict::verdict_is_leak(f.kind) ? "" : " (informational)") << "\n";
  if (!log.error.empty()) s << "ERROR: the supervisor failed: " << log.error << "\n";
  s << (o.found_leak() ? "FAIL" : "PASS") << ": " << a.findings.size() << " verdict" << (a.findings.size() == 1 ? "" : "s")
    << ", " << log.events.size() << " notified call" << (log.events.size() == 1 ? "" : "s") << ", " << a.threads.size()
    << " thread" << (a.threads.size() == 1 ? "" : "s") << "\n";
  return s.str();
}

nlohmann::json observe_json(const observe::Observation& o) {
  const auto& a = o.analysis;
  const auto& log = o.log;
  const ObserveProse prose(log, a);
  nlohmann::json j;
  j["schema"] = "nsleak/observe/1";
  j["command"] = o.argv;
  j["pid"] = log.root;
  j["exit_code"] = o.record.exit_code;
  j["term_signal"] = o.record.term_signal;
  j["timed_out"] = o.record.timed_out;
  j["outcome"] = !log.error.empty() ? "error" : o.found_leak() ? "fail" : "pass";
  j["origin"] = state_json(a.origin, log.kinds_mask);
  j["syscalls"] = nlohmann::json::array();
  for (const auto& ev : log.events) {
    nlohmann::json e{{"seq", ev.seq}, {"t_ms", ev.t_ms}, {"pid", ev.pid}, {"tid", ev.tid},
                     {"call", observe::call_name(ev.call)}, {"text", syscall_text(ev)}};
    if (ev.flags) e["flags"] = *ev.flags;
    if (!ev.target.empty()) e["target"] = ev.target;
    j["syscalls"].push_back(e);
  }
  j["threads"] = nlohmann::json::array();
  for (const auto& t : a.threads) {
    nlohmann::json th{{"pid", t.pid}, {"tid", t.tid}, {"leader", t.leader}, {"created_by", t.created_by},
                      {"creator_certain", t.creator_certain}, {"end", observe::end_name(t.end)}, {"end_seq", t.end_seq},
                      {"own_fs_since", t.own_fs_since}, {"story", prose.life(t)}};
    th["timeline"] = nlohmann::json::array();
    for (const auto& c : t.timeline)
      th["timeline"].push_back({{"seq", c.seq}, {"cause", c.cause}, {"state", state_json(c.state, log.kinds_mask)}});
    j["threads"].push_back(th);
  }
  j["verdicts"] = nlohmann::json::array();
  for (const auto& f : a.findings)
    j["verdicts"].push_back({{"kind", verdict::verdict_name(f.kind)}, {"pid", f.pid}, {"tid", f.tid},
                             {"from_tid", f.from_tid}, {"seq", f.seq}, {"leak", verdict::verdict_is_leak(f.kind)},
                             {"state_kind", os::kind_name(f.state_kind)},
                             {"value", f.state[os::index(f.state_kind)].str()},
                             {"process_value", f.process_value.str()},
                             {"state", state_json(f.state, log.kinds_mask)}, {"summary", prose.summary(f)}});
  j["process_moves"] = nlohmann::json::array();
  for (const auto& m : a.moves)
    j["process_moves"].push_back({{"seq", m.seq}, {"pid", m.pid}, {"state_kind", os::kind_name(m.kind)},
                                  {"value", m.value.str()}, {"text", prose.move(m)}});
  j["stats"] = {{"userns", o.record.userns}, {"wall_ms", o.record.wall_ms}, {"events", log.events.size()}};
  if (!log.error.empty()) j["error"] = log.error;
  if (!o.record.env_error.empty()) j["env_error"] = o.record.env_error;
  return j;
}

}  // namespace nsleak::reports
