#include "harness/scenario/op_reader.hpp"

#include <optional>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/errno_names.hpp"
#include "harness/scenario/fields.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

// The keys an op takes besides "op".
struct OpKeys {
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

OpKeys keys_of(OpKind kind) {
  // A switch, not a table indexed by the enum, so that -Wswitch catches a new OpKind.
  switch (kind) {
    case OpKind::Lock:
    case OpKind::Unlock:
    case OpKind::Yield:
    case OpKind::Exit: return {};
    case OpKind::Syscall: return {{}, {"blocking"}};
    case OpKind::Unshare: return {{}, {"state", "ns", "as", "fail"}};
    case OpKind::Setns: return {{"to"}, {"state", "ns", "fail"}};
    case OpKind::Get: return {{"as"}, {"state", "ns"}};
    case OpKind::Go: return {{"fn"}, {"inherit", "clone_fail"}};
    case OpKind::Call: return {{"fn"}, {}};
    case OpKind::Send:
    case OpKind::Recv:
    case OpKind::Close: return {{"chan"}, {}};
    case OpKind::WgAdd: return {{"wg", "n"}, {}};
    case OpKind::WgDone:
    case OpKind::WgWait: return {{"wg"}, {}};
    case OpKind::Sleep: return {{"ms"}, {}};
    case OpKind::Exec: return {{}, {"as"}};
    case OpKind::Expect: return {{"is"}, {"state", "ns"}};
    case OpKind::Repeat: return {{"times", "body"}, {}};
    case OpKind::Chdir: return {{"dir"}, {}};
    case OpKind::Setuid: return {{"uid"}, {"raw"}};
    case OpKind::Setgid: return {{"gid"}, {"raw"}};
    case OpKind::Setaffinity: return {{"cpus"}, {}};
    case OpKind::Setnice: return {{"nice"}, {}};
    case OpKind::Tid: return {{"as"}, {}};
    // max is required: a polling loop with no bound would hang the run when the thread never
    // exits (go1.9 returns it to the pool), and Go's own loops have one (lockosthread.go: 100).
    case OpKind::Until: return {{"cond", "body", "max"}, {}};
    case OpKind::TestForbiddenSyscall: return {};
  }
  return {};
}

struct Range {
  std::int64_t lo, hi;
};
// The integer keys' bounds: read_field and op_fields both take them from here.
Range integer_range(const std::string& key) {
  if (key == "n") return {1, kMaxWgAdd};
  if (key == "ms") return {0, kMaxSleepMs};
  if (key == "uid" || key == "gid") return {0, kMaxId};
  if (key == "nice") return {kMinNice, kMaxNice};
  if (key == "cpus") return {0, kMaxCpu};
  if (key == "max") return {1, kMaxUntil};
  return {1, kMaxRepeatTimes};  // "times"
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<OpKind> op_from_name(const std::string& name) {
  const auto& names = op_names();  // in OpKind declaration order
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<OpKind>(i);
  return test_op_from_name(name);
}

const std::vector<std::string>& ns_kind_names() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> names;
    for (const auto& row : os::state_kinds()) names.emplace_back(row.name);
    return names;
  }();
  return kinds;
}

// The op that changes a numeric kind, for messages.
const char* set_op_of(StateKind k) {
  switch (k) {
    case StateKind::Uid: return "setuid";
    case StateKind::Gid: return "setgid";
    case StateKind::Affinity: return "setaffinity";
    case StateKind::Nice: return "setnice";
    default: return "chdir";
  }
}

// The valid kinds are the state table's rows: an unknown one is a located error listing them.
// `key` is "state" or its alias "ns" (the name from when every kind was a namespace), which
// names namespace kinds only; setns enters namespaces only.
StateKind read_state_kind(const JsonNode& v, const std::string& key, OpKind op) {
  // The kinds' names are short, so a guess two edits away misleads ("cwd" is two edits from
  // "uid", but means "fs"): only a one-edit typo gets a did-you-mean; otherwise every kind is listed.
  const std::string name = read_string(v, key_name(key));
  const auto found = os::kind_from_name(name);
  if (!found) {
    const auto match = closest_match(name, ns_kind_names());
    if (match && edit_distance(name, *match) <= 1)
      throw ParseError(v.loc(), "unknown state kind " + quote(name) + " (did you mean " + quote(*match) + "?)");
    throw ParseError(v.loc(), "unknown state kind " + quote(name) + " (expected one of " + quote_list(ns_kind_names()) + ")");
  }
  const StateKind k = *found;
  if (key == "ns" && !os::is_namespace(k))
    throw ParseError(v.loc(), std::string("\"ns\" names namespace kinds, and \"") + os::kind_name(k) +
                                  "\" is not one: write \"state\": \"" + os::kind_name(k) + "\"");
  if (op == OpKind::Unshare && !os::can_unshare(k))
    throw ParseError(v.loc(), std::string("unshare takes a namespace or \"fs\", and \"") + os::kind_name(k) +
                                  "\" is neither (change it with \"" + set_op_of(k) + "\")");
  if (op == OpKind::Setns && !os::is_namespace(k))
    throw ParseError(v.loc(), std::string("setns enters a namespace, and \"") + os::kind_name(k) +
                                  "\" is not one (change it with \"" + set_op_of(k) + "\")");
  return k;
}

// A directory for chdir: any path the program would pass, but one the kernel can take.
std::string read_directory(const JsonNode& v) {
  std::string dir = read_string(v, key_name("dir"));
  if (dir.empty()) throw ParseError(v.loc(), "\"dir\" must not be empty");
  if (dir.find('\0') != std::string::npos) throw ParseError(v.loc(), "\"dir\" must not contain NUL");
  return dir;
}

// setaffinity's CPU list: a non-empty array of CPU numbers (sched_setaffinity(2) refuses an
// empty mask with EINVAL, so the parser says it first).
std::vector<int> read_cpus(const JsonNode& v) {
  require_array(v, key_name("cpus"));
  if (v.json().empty()) throw ParseError(v.loc(), "\"cpus\" must not be empty: a thread runs on at least one CPU");
  const Range r = integer_range("cpus");
  std::vector<int> cpus;
  for (const auto& e : v.elements()) cpus.push_back(static_cast<int>(read_integer(e, "CPU number", r.lo, r.hi)));
  return cpus;
}

// How read_field reads `key`, in words; and what its absence means.
OpField describe_field(OpKind kind, const std::string& key, bool required) {
  OpField f{key, required, "", ""};
  if (kind == OpKind::Tid && key == "as") {
    f.syntax = std::string("identifier ") + kIdentifierSyntax +
               " (names the current OS thread for an until's thread_gone; in a function body \"$i\" in it is the "
               "goroutine's spawn occurrence)";
  } else if (key == "cond") {
    f.syntax = "{\"thread_gone\": NAME}: the OS thread a tid named has exited (its /proc/self/task entry is gone "
               "or a zombie), checked after each pass of the body";
  } else if (key == "max") {
    const Range r = integer_range(key);
    f.syntax = "integer " + std::to_string(r.lo) + ".." + std::to_string(r.hi) +
               " (passes at most; the last one ending with the condition false is an until-max verdict)";
  } else if (key == "state" || key == "ns") {
    f.syntax = "one of: " + joined(ns_kind_names()) + (key == "ns" ? " (alias of \"state\"; namespace kinds only)" : "");
    f.default_text = "net";
  } else if (key == "dir") {
    f.syntax = "non-empty path (chdir's argument)";
  } else if (key == "as") {
    f.syntax = std::string("identifier ") + kIdentifierSyntax + ", not \"" + kOrigin +
               "\" (names the namespace; in a function body \"$i\" in it is the goroutine's spawn occurrence)";
  } else if (key == "to" || key == "is") {
    f.syntax = std::string("\"") + kOrigin + "\" or a namespace named by an `as`";
  } else if (key == "fn") {
    f.syntax = "a function of `functions`";
  } else if (key == "chan" || key == "wg") {
    f.syntax = std::string("identifier ") + kIdentifierSyntax + "; in a function body \"$i\" in it is the goroutine's spawn occurrence";
  } else if (key == "fail") {
    f.syntax = "errno, one of: " + joined(injectable_errno_names());
    f.default_text = "none (the real syscall)";
  } else if (key == "clone_fail") {
    f.syntax = "errno, one of: EAGAIN (if this spawn makes the runtime create a thread, its clone fails: "
               "\"runtime: failed to create new OS thread\", fatal)";
    f.default_text = "none (threads are created)";
  } else if (key == "inherit") {
    f.syntax = "boolean (the author's belief, not a runtime switch)";
    f.default_text = "false";
  } else if (key == "blocking") {
    f.syntax = "boolean (true: entersyscallblock, the P is handed off at once; false: entersyscall, sysmon may retake it)";
    f.default_text = "false";
  } else if (key == "n" || key == "ms" || key == "times") {
    const Range r = integer_range(key);
    f.syntax = "integer " + std::to_string(r.lo) + ".." + std::to_string(r.hi);
  } else if (key == "body") {
    f.syntax = "non-empty array of ops";
  } else if (key == "uid" || key == "gid") {
    f.syntax = "integer 0.." + std::to_string(kMaxId) + " (the id inside the sandbox's user namespace)";
  } else if (key == "raw") {
    f.syntax = "boolean: the raw setresuid/setresgid syscall (effective id only), this thread only, whatever the policy";
    f.default_text = "false (syscall.Setuid/Setgid: per thread before go1.16, every thread from go1.16)";
  } else if (key == "cpus") {
    f.syntax = "non-empty array of CPU numbers 0.." + std::to_string(kMaxCpu);
  } else if (key == "nice") {
    f.syntax = "integer " + std::to_string(kMinNice) + ".." + std::to_string(kMaxNice);
  }
  if (required) f.default_text.clear();
  return f;
}

// A name an op gives or uses (`as`, `to`, `is`, `chan`, `wg`): an identifier, or inside a
// function body a goroutine-local name with "$i" (fields.hpp); main has no spawn occurrence.
std::string read_name(const JsonNode& v, const std::string& what, Op& op) {
  std::string s = read_string(v, what);
  if (!has_local_mark(s)) {
    if (!is_identifier(s))
      throw ParseError(v.loc(), what + " must be a name matching " + kIdentifierSyntax + ", found " + v.describe());
    return s;
  }
  if (op.label.rfind("main#", 0) == 0)
    throw ParseError(v.loc(), what + " " + quote(s) + ": \"$i\" (the goroutine's spawn occurrence) is only defined "
                                     "inside a function body, not in main");
  if (!is_local_name(s))
    throw ParseError(v.loc(), what + " must be a name matching " + kIdentifierSyntax +
                                  " (with \"$i\" for the spawn occurrence), found " + v.describe());
  op.local = true;
  return s;
}

// `as` names the namespace the op observes or creates; "origin" already names the start.
std::string read_namespace_definition(const JsonNode& v, Op& op) {
  std::string name = read_name(v, key_name("as"), op);
  if (name == kOrigin)
    throw ParseError(v.loc(), std::string("\"as\" cannot be \"") + kOrigin +
                                  "\": that name is reserved for the starting namespace");
  return name;
}

std::vector<Op> read_repeat_body(const JsonNode& v, const std::string& label, References& refs) {
  require_array(v, key_name("body"));
  if (v.json().empty()) throw ParseError(v.loc(), "\"body\" must not be empty");
  return read_ops(v, label + ".", refs);
}

// until's "cond": one condition, {"thread_gone": NAME}, NAME given by a tid. An object rather
// than a bare name so that other conditions can be added beside thread_gone.
void read_until_cond(const JsonNode& v, Op& op, References& refs) {
  require_object(v, key_name("cond"));
  check_keys(v, "\"cond\" of \"until\"", {"thread_gone"}, {"thread_gone"});
  const JsonNode name = v.member("thread_gone");
  op.name = read_name(name, key_name("thread_gone"), op);
  refs.use_thread(op.name, op.label, name.loc());
}

void read_field(Op& op, const std::string& key, const JsonNode& v, References& refs) {
  const std::string what = key_name(key);
  if (key == "state" || key == "ns") {
    op.ns = read_state_kind(v, key, op.kind);
  } else if (key == "as" && op.kind == OpKind::Tid) {
    op.name = read_name(v, what, op);
    refs.define_thread(op.name, op.label, v.loc());
  } else if (key == "as") {
    op.name = read_namespace_definition(v, op);
    refs.define_namespace(op.name);
  } else if (key == "to" || key == "is") {
    op.name = read_name(v, what, op);
    if (op.name != kOrigin) refs.use_namespace(op.name, v.loc());
  } else if (key == "fn") {
    op.name = read_identifier(v, what);
    refs.use_function(op.name, v.loc());
  } else if (key == "dir") {
    op.name = read_directory(v);
    op.ns = StateKind::Fs;
  } else if (key == "chan" || key == "wg") {
    op.name = read_name(v, what, op);
  } else if (key == "fail") {
    op.fail_errno = *injectable_errno(read_choice(v, what, "errno", injectable_errno_names()));
  } else if (key == "clone_fail") {
    read_choice(v, what, "errno", {"EAGAIN"});
    op.fail_errno = EAGAIN;
  } else if (key == "inherit") {
    op.inherit = read_bool(v, what);
  } else if (key == "blocking") {
    op.blocking = read_bool(v, what);
  } else if (key == "n" || key == "ms" || key == "times" || key == "max") {
    const Range r = integer_range(key);
    op.n = read_integer(v, what, r.lo, r.hi);
  } else if (key == "cond") {
    read_until_cond(v, op, refs);
  } else if (key == "body") {
    op.body = read_repeat_body(v, op.label, refs);
  } else if (key == "uid" || key == "gid" || key == "nice") {
    const Range r = integer_range(key);
    op.n = read_integer(v, what, r.lo, r.hi);
  } else if (key == "raw") {
    op.raw = read_bool(v, what);
  } else if (key == "cpus") {
    op.cpus = read_cpus(v);
  }
}

// The kind an op that changes state without a "state" key changes.
std::optional<StateKind> changed_kind(OpKind op) {
  switch (op) {
    case OpKind::Chdir: return StateKind::Fs;
    case OpKind::Setuid: return StateKind::Uid;
    case OpKind::Setgid: return StateKind::Gid;
    case OpKind::Setaffinity: return StateKind::Affinity;
    case OpKind::Setnice: return StateKind::Nice;
    default: return std::nullopt;
  }
}

OpKind read_op_kind(const JsonNode& node) {
  if (!node.has("op")) throw ParseError(node.loc(), "missing required key \"op\" in op");
  const JsonNode v = node.member("op");
  const std::string name = read_string(v, key_name("op"));
  const auto kind = op_from_name(name);
  if (!kind)
    throw ParseError(v.loc(), "unknown op " + quote(name) + unknown_name_hint(name, op_names()));
  return *kind;
}

Op read_op(const JsonNode& node, std::string label, References& refs) {
  if (!node.json().is_object())
    throw ParseError(node.loc(), "op must be an object, found " + node.describe());
  Op op;
  op.kind = read_op_kind(node);
  if (const auto k = changed_kind(op.kind)) op.ns = *k;
  op.loc = node.loc();
  op.label = std::move(label);
  const OpKeys keys = keys_of(op.kind);
  std::vector<std::string> allowed = keys.required;
  allowed.insert(allowed.end(), keys.optional.begin(), keys.optional.end());
  allowed.push_back("op");  // last: a typo close to both "to" and "op" means "to"
  check_keys(node, quote(op_name(op.kind)) + " op", allowed, keys.required);
  if (node.has("state") && node.has("ns"))
    throw ParseError(node.member("ns").key_loc(), "\"ns\" is an alias of \"state\": give only one");
  for (const auto& [key, value] : node.members())
    if (key != "op") read_field(op, key, value, refs);
  return op;
}

}  // namespace

std::vector<OpField> op_fields(OpKind kind) {
  const OpKeys keys = keys_of(kind);
  std::vector<OpField> fields;
  for (const auto& k : keys.required) fields.push_back(describe_field(kind, k, true));
  for (const auto& k : keys.optional) fields.push_back(describe_field(kind, k, false));
  return fields;
}

std::vector<Op> read_ops(const JsonNode& array, const std::string& label_prefix, References& refs) {
  std::vector<Op> ops;
  const auto elements = array.elements();
  ops.reserve(elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i)
    ops.push_back(read_op(elements[i], label_prefix + std::to_string(i), refs));
  return ops;
}

}  // namespace nsleak::scenario
