#include "harness/os/state_ops.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "harness/os/fault_injection.hpp"
#include "harness/os/ns_pool.hpp"
#include "harness/os/own_thread.hpp"

namespace nsleak::os {

StateValue identity(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

namespace {

// A small /proc file's text (status is about 1.5 KiB), read into a buffer on the stack: every
// sandbox child reads a few at its start, in a fresh process whose heap pages are its zygote's
// (a copy-on-write fault for each one malloc writes). A text past the buffer goes on in
// `spill`. Empty when the file cannot be read.
struct SmallText {
  char buf[4096];
  std::string spill;
};

std::string_view read_small(int dir, const char* entry, SmallText& out) {
  const UniqueFd fd(::openat(dir, entry, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  std::size_t used = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), out.buf + used, sizeof out.buf - used);
    if (n < 0) return {};
    if (n == 0) return {out.buf, used};
    used += static_cast<std::size_t>(n);
    if (used == sizeof out.buf) break;
  }
  out.spill.assign(out.buf, used);
  for (;;) {
    const std::size_t at = out.spill.size();
    out.spill.resize(at * 2);
    const ssize_t n = ::read(fd.get(), out.spill.data() + at, out.spill.size() - at);
    if (n < 0) return {};
    out.spill.resize(at + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n == 0) return out.spill;
  }
}

// The rest of the line that starts with `key` ("Uid:") in /proc/<tid>/status.
std::string_view status_field(std::string_view status, std::string_view key) {
  for (std::size_t at = 0; at < status.size();) {
    const std::size_t end = std::min(status.find('\n', at), status.size());
    const std::string_view line = status.substr(at, end - at);
    if (line.substr(0, key.size()) == key) return line.substr(key.size());
    at = end + 1;
  }
  return {};
}

// "Uid:\t0\t1\t0\t1": real, effective, saved, filesystem (all four: setfsuid(2) moves the last
// alone).
StateValue parse_ids(StateKind kind, std::string_view rest) {
  unsigned long r = 0, e = 0, s = 0, f = 0;
  const std::string line(rest);
  if (std::sscanf(line.c_str(), "%lu %lu %lu %lu", &r, &e, &s, &f) != 4) return {};
  return ids_value(kind, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(s),
                   static_cast<std::uint32_t>(f));
}

// "Cpus_allowed_list:\t0-1,4".
StateValue parse_cpu_list(std::string_view rest) {
  std::vector<int> cpus;
  const std::string line(rest);
  const char* p = line.c_str();
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t' || *p == ',') ++p;
    if (*p < '0' || *p > '9') break;
    char* end = nullptr;
    const long lo = std::strtol(p, &end, 10);
    long hi = lo;
    p = end;
    if (*p == '-') hi = std::strtol(p + 1, &end, 10), p = end;
    for (long c = lo; c <= hi && c < CPU_SETSIZE; ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus.empty() ? StateValue{} : cpus_value(cpus);
}

// Field 19 of /proc/<tid>/stat; the command name (field 2) may hold spaces and parentheses,
// so fields are counted from its closing parenthesis.
StateValue parse_stat_nice(std::string_view stat) {
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos) return {};
  const std::string rest(stat.substr(paren + 1));
  const char* p = rest.c_str();
  for (int field = 3; field < 19; ++field) {  // skip fields 3 (state) .. 18 (priority)
    while (*p == ' ') ++p;
    while (*p != ' ' && *p != '\0') ++p;
  }
  char* end = nullptr;
  const long nice = std::strtol(p, &end, 10);
  if (end == p) return {};
  return nice_value(static_cast<int>(nice));
}

// A numeric kind's value from the text of its entry.
StateValue parse_text(StateKind kind, std::string_view text) {
  switch (info(kind).read) {
    case ReadBy::StatusIds: return parse_ids(kind, status_field(text, kind == StateKind::Uid ? "Uid:" : "Gid:"));
    case ReadBy::CpusAllowed: return parse_cpu_list(status_field(text, "Cpus_allowed_list:"));
    case ReadBy::StatNice: return parse_stat_nice(text);
    default: return {};
  }
}

// A text kind's read: its own frame, since SmallText's 4 KiB on read_at's would be on every
// read's (an op's own-thread read is a namespace's stat), and a frame past a page is probed
// page by page (stack-clash protection): a page fault on each G's fresh stack in each run.
[[gnu::noinline]] StateValue read_text_at(int dir, const char* entry, StateKind kind) {
  SmallText text;
  return parse_text(kind, read_small(dir, entry, text));
}

// The device of every namespace's inode: nsfs is one superblock, so one stat tells it. Read
// at the program's start, before any fork: every sandbox child has it then.
const std::uint64_t g_nsfs_dev = [] {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? static_cast<std::uint64_t>(st.st_dev) : 0;
}();

// A namespace's identity from its /proc link's text, "net:[4026531992]" (readlink), with
// nsfs's device: the (st_dev, st_ino) that stat through the link gives. Stat follows the link
// (proc_ns_get_link, which finds or makes the namespace's nsfs dentry) and was the largest
// single cost of an exploration schedule (17 % of the CPU, most of it in following the link:
// every snapshot reads every task); readlink only prints the number. Invalid when the text is
// not a namespace's: the caller then stats.
StateValue ns_link_identity(int dir, const char* entry) {
  char text[64];
  const ssize_t n = ::readlinkat(dir, entry, text, sizeof text - 1);
  if (n <= 0 || g_nsfs_dev == 0) return {};
  text[n] = '\0';
  const char* open = std::strchr(text, '[');
  if (open == nullptr) return {};
  char* end = nullptr;
  const unsigned long long ino = std::strtoull(open + 1, &end, 10);
  if (end == open + 1 || *end != ']' || end[1] != '\0') return {};
  return {g_nsfs_dev, static_cast<std::uint64_t>(ino)};
}

// Reads `entry` (relative to `dir`) the way the kind's row says.
StateValue read_at(int dir, const char* entry, StateKind kind) {
  switch (info(kind).read) {
    case ReadBy::NsfsIdentity:
      if (const StateValue v = ns_link_identity(dir, entry); v.valid()) return v;
      [[fallthrough]];
    case ReadBy::DirIdentity: {  // stat follows the link to the nsfs inode or the directory
      struct stat st {};
      if (::fstatat(dir, entry, &st, 0) != 0) return {};
      return identity(st);
    }
    default:
      return read_text_at(dir, entry, kind);
  }
}

bool numeric(StateKind kind) {
  const ReadBy r = info(kind).read;
  return r != ReadBy::NsfsIdentity && r != ReadBy::DirIdentity;
}

std::string cpu_list_text(const StateValue& v) {
  std::string out;
  for (int c = 0; c < 128; ++c) {
    const auto bit = [&](int i) { return i < 120 && ((i < 64 ? v.minor >> i : v.major >> (i - 64)) & 1u) != 0; };
    if (!bit(c)) continue;
    int hi = c;
    while (bit(hi + 1)) ++hi;
    out += (out.empty() ? "" : ",") + std::to_string(c) + (hi > c ? "-" + std::to_string(hi) : "");
    c = hi;
  }
  return out;
}

}  // namespace

bool own_entry_path(char* buf, std::size_t size, const char* entry) {
  const OwnThread& self = own_thread();
  const std::size_t len = std::strlen(entry);
  if (self.prefix_len + len >= size) return false;
  std::memcpy(buf, self.proc_prefix, self.prefix_len);
  std::memcpy(buf + self.prefix_len, entry, len + 1);
  return true;
}

SysResult open_current(StateKind kind, NsHandle& out) {
  char own[64];
  own_entry_path(own, sizeof own, info(kind).task_entry);
  const std::string path = own;
  if (numeric(kind)) {
    out.id = current_value(kind);
    out.kind = kind;
    return {out.id.valid() ? 0 : ESRCH, "read " + path};
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  SysResult r = sys_result(fd.get(), [&] { return "open(" + path + ")"; });
  if (!r.ok()) return r;
  struct stat st {};
  r = sys_result(::fstat(fd.get(), &st), [&] { return "fstat(" + path + ")"; });
  if (!r.ok()) return r;
  out.fd = std::move(fd);
  out.id = identity(st);
  out.kind = kind;
  return r;
}

namespace {

// The calling thread's /proc/<tid>/ns (own_entry_path), opened once per thread (O_PATH). The
// recorder reads its own thread's namespace after every op, and resolving the whole path each
// time (/proc, thread-self's link to <pid>/task/<tid>, ns) was most of that read: the largest
// single cost of fixtures/valid/limits.json's 100,000 ops. The directory is the thread's own
// for its life; a forked child's copy of the thread_local names its parent's thread, so the
// tid is checked (and that copy is left alone: the child may have closed the number since and
// reused it). Read in a non-inlined function and never kept across anything that could
// switch goroutines (the TLS rule, ARCHITECTURE.md). -1 (no fd to spare): the full path.
struct OwnNsDir {
  pid_t tid = 0;
  int fd = -1;
  ~OwnNsDir() {
    if (fd >= 0) ::close(fd);
  }
};

[[gnu::noinline]] int own_ns_dir() {
  thread_local OwnNsDir d;
  const pid_t tid = own_thread().tid;
  if (d.tid != tid) {
    char path[32];
    own_entry_path(path, sizeof path, "ns");
    d.fd = ::open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    d.tid = d.fd >= 0 ? tid : 0;
  }
  return d.fd;
}

}  // namespace

StateValue current_value(StateKind kind) {
  const char* entry = info(kind).task_entry;
  if (info(kind).read == ReadBy::NsfsIdentity && std::strncmp(entry, "ns/", 3) == 0)
    if (const int dir = own_ns_dir(); dir >= 0) {
      const StateValue v = read_at(dir, entry + 3, kind);
      if (v.valid()) return v;
    }
  char path[64];  // no std::string: the recorder reads this after every op
  own_entry_path(path, sizeof path, entry);
  return read_at(AT_FDCWD, path, kind);
}

StateValue task_value(int dir, const char* tid, StateKind kind) {
  char rel[64];
  std::snprintf(rel, sizeof rel, "%s/%s", tid, info(kind).task_entry);
  return read_at(dir, rel, kind);
}

bool task_values(int task_dir, const char* tid, unsigned mask, StateSet& out) {
  // uid, gid and the affinity are three lines of one `status`: read it once per task.
  SmallText text;
  std::string_view status;
  bool status_read = false;
  for (StateKind k : kAllKinds) {
    if (!(mask & (1u << index(k)))) continue;
    const StateKindInfo& row = info(k);
    if (std::strcmp(row.task_entry, "status") == 0) {
      if (!status_read) {
        char rel[64];
        std::snprintf(rel, sizeof rel, "%s/status", tid);
        status = read_small(task_dir, rel, text);
        status_read = true;
      }
      out[index(k)] = parse_text(k, status);
    } else {
      out[index(k)] = task_value(task_dir, tid, k);
    }
    if (!out[index(k)].valid()) return false;
  }
  return true;
}

void current_values(unsigned mask, StateSet& out) {
  SmallText text;
  std::string_view status;
  bool status_read = false;
  for (StateKind k : kAllKinds) {
    if (!(mask & (1u << index(k)))) continue;
    if (std::strcmp(info(k).task_entry, "status") != 0) {
      out[index(k)] = current_value(k);
      continue;
    }
    if (!status_read) {
      char path[64];
      own_entry_path(path, sizeof path, "status");
      status = read_small(AT_FDCWD, path, text);
      status_read = true;
    }
    out[index(k)] = parse_text(k, status);
  }
}

SysResult unshare_state(StateKind kind, int fail_errno) {
  const StateKindInfo& k = info(kind);
  // Exploration's namespace pool (ns_pool.hpp): a namespace made in advance that no thread of
  // this run has entered. An injected failure is the real syscall's to give, so it never pools.
  if (fail_errno == 0)
    if (const int fd = take_pooled_ns(kind); fd >= 0)
      return sys_result(::setns(fd, k.clone_flag), [&] { return unshare_call(kind); });
  const unsigned flags = static_cast<unsigned>(k.clone_flag) | fault_marker(fail_errno);
  return sys_result(::unshare(static_cast<int>(flags)),
                    [&] { return unshare_call(kind); });
}

std::string unshare_call(StateKind kind) { return std::string("unshare(") + info(kind).flag_name + ")"; }

std::string setns_call(int fd, StateKind kind) {
  return "setns(fd " + std::to_string(fd) + ", " + info(kind).flag_name + ")";
}

SysResult set_ns(const NsHandle& h, int fail_errno) {
  const unsigned nstype = static_cast<unsigned>(info(h.kind).clone_flag) | fault_marker(fail_errno);
  return sys_result(::setns(h.fd.get(), static_cast<int>(nstype)), [&] { return setns_call(h.fd.get(), h.kind); });
}

}  // namespace nsleak::os

namespace nsleak::os {

namespace {

// The top byte of a numeric value's `major`: 0x80 | the kind's row. No nsfs or filesystem
// st_dev has that bit, so values of different kinds never compare equal (reports name values
// by identity: uid 0 must not be mistaken for CPU 0).
constexpr std::uint64_t kTagShift = 56;
constexpr std::uint64_t kPayload = (std::uint64_t{1} << kTagShift) - 1;
std::uint64_t tag(StateKind k) { return (0x80u | index(k)) * (std::uint64_t{1} << kTagShift); }

}  // namespace

namespace {
constexpr std::uint64_t kFsShift = 32;             // the filesystem id's field in major
constexpr std::uint64_t kFsField = (1u << 24) - 1;  // 24 bits, below the tag
}  // namespace

StateValue ids_value(StateKind kind, std::uint32_t real, std::uint32_t effective, std::uint32_t saved,
                     std::optional<std::uint32_t> fs) {
  // The filesystem id follows the effective id (every set*id call resets it to the new
  // effective one) unless setfsuid/setfsgid moved it: 0 when it is the effective id, else
  // 1 + the id (modulo 2^24 - 2, which no id a sandbox maps reaches: it maps at most 65536
  // from the user's range), so that the common case packs as it always did.
  const std::uint64_t fs_field = !fs || *fs == effective ? 0 : 1 + *fs % (kFsField - 1);
  return {tag(kind) | (fs_field << kFsShift) | effective, ((static_cast<std::uint64_t>(real) << 32) | saved) + 1};
}

StateValue cpus_value(const std::vector<int>& cpus) {
  StateValue v{tag(StateKind::Affinity), 0};
  for (int c : cpus) {
    const int bit = c % 120;  // a mask past CPU 119 folds (no such machine runs nsleak's tests)
    (bit < 64 ? v.minor : v.major) |= std::uint64_t{1} << (bit % 64);
  }
  return v;
}

StateValue nice_value(int nice) { return {tag(StateKind::Nice) | static_cast<std::uint64_t>(nice + 20), 1}; }

std::string value_text(StateKind kind, const StateValue& v) {
  if (!v.valid()) return "?";
  const std::string name = info(kind).name;
  switch (info(kind).read) {
    case ReadBy::NsfsIdentity:
    case ReadBy::DirIdentity: return name + ":[" + std::to_string(v.minor) + "]";
    case ReadBy::StatusIds: {
      const std::uint64_t rs = v.minor - 1;
      const std::uint64_t real = rs >> 32, effective = v.major & 0xffffffffu, saved = rs & 0xffffffffu;
      const std::uint64_t fs_field = (v.major & kPayload) >> kFsShift;
      const std::string ids = std::to_string(real) + "/" + std::to_string(effective) + "/" + std::to_string(saved);
      if (fs_field != 0) return name + ":" + ids + "/" + std::to_string(fs_field - 1);
      if (real == effective && saved == effective) return name + ":" + std::to_string(effective);
      return name + ":" + ids;
    }
    case ReadBy::CpusAllowed: return name + ":" + cpu_list_text(v);
    case ReadBy::StatNice: return name + ":" + std::to_string(static_cast<std::int64_t>(v.major & kPayload) - 20);
  }
  return "?";
}

long set_id_trap(StateKind kind) { return kind == StateKind::Gid ? SYS_setgid : SYS_setuid; }

std::string set_id_call(StateKind kind, std::uint32_t id, bool raw) {
  const std::string what = kind == StateKind::Gid ? "gid" : "uid";
  if (raw) return "setres" + what + "(-1, " + std::to_string(id) + ", -1)";
  return "set" + what + "(" + std::to_string(id) + ")";
}

SysResult set_ids_raw(StateKind kind, std::uint32_t id) {
  const long trap = kind == StateKind::Gid ? SYS_setresgid : SYS_setresuid;
  return sys_result(static_cast<int>(::syscall(trap, -1L, static_cast<long>(id), -1L)),
                    [&] { return set_id_call(kind, id, true); });
}

SysResult set_id(StateKind kind, std::uint32_t id) {
  return sys_result(static_cast<int>(::syscall(set_id_trap(kind), static_cast<long>(id))),
                    [&] { return set_id_call(kind, id, false); });
}

SysResult set_affinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::string list;
  for (int c : cpus) {
    CPU_SET(c, &set);
    list += (list.empty() ? "" : ",") + std::to_string(c);
  }
  return sys_result(::sched_setaffinity(0, sizeof set, &set), [&] { return "sched_setaffinity(0, {" + list + "})"; });
}

SysResult set_nice(int nice) {
  const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  return sys_result(::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice), [&] {
    return "setpriority(PRIO_PROCESS, " + std::to_string(tid) + ", " + std::to_string(nice) + ")";
  });
}

}  // namespace nsleak::os
