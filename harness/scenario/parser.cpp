#include "harness/scenario/parser.hpp"

#include "harness/scenario/ids.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <system_error>

#include "harness/scenario/call_graph.hpp"
#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/fields.hpp"
#include "harness/scenario/file_text.hpp"
#include "harness/scenario/located_json.hpp"
#include "harness/scenario/op_reader.hpp"
#include "harness/scenario/quote.hpp"
#include "harness/scenario/references.hpp"

namespace nsleak::scenario {
namespace {

const std::vector<std::string> kTopLevelKeys{"name",         "main",      "description", "procs",
                                             "idle_threads", "functions", "chans",       "expect"};
const std::vector<std::string> kChanKeys{"cap"};
// The old name of "idle_threads" (it counts Ms, not milliseconds): still accepted, the
// scenario format being public, but not offered in hints; giving both is an error.
constexpr const char* kOldIdleThreadsKey = "idle_ms";
const std::vector<std::string> kRequiredTopLevelKeys{"name", "main"};
const std::vector<std::string> kExpectationKeys{"verdicts", "absent", "reachable", "unreachable", "explore"};
const std::vector<std::string> kExploreKeys{"strategy", "bound", "depth", "seed", "budget"};
const std::vector<std::string> kExploreStrategies{"exhaustive", "portfolio", "pct", "random"};

constexpr std::int64_t kMaxProcs = 64;   // GOMAXPROCS
constexpr std::int64_t kMaxIdleThreads = 16;  // a handful of runtime-owned threads
constexpr std::int64_t kMaxChanCap = 1'000'000;  // a buffer is a count here: no memory per slot
constexpr const char* kScenarioNameSyntax = "[a-z0-9-]+";

bool is_scenario_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Reads the top-level object. Cross-references wait until everything has been read.
class ScenarioReader {
 public:
  explicit ScenarioReader(const ParseOptions& opts) : opts_(opts) {}

  Scenario read(const JsonNode& root, const std::string& file) {
    require_object(root, "top-level value");
    if (root.has(kOldIdleThreadsKey)) {
      if (root.has("idle_threads"))
        throw ParseError(root.member(kOldIdleThreadsKey).key_loc(),
                         "\"idle_ms\" is the old name of \"idle_threads\": give only one");
      auto keys = kTopLevelKeys;
      keys.push_back(kOldIdleThreadsKey);
      check_keys(root, "scenario", keys, kRequiredTopLevelKeys);
    } else {
      check_keys(root, "scenario", kTopLevelKeys, kRequiredTopLevelKeys);
    }
    Scenario s;
    s.file = file;
    for (const auto& [key, value] : root.members()) read_member(s, key, value);
    refs_.check();
    check_channels(s);
    check_call_graph(s);
    assign_ids(s);
    return s;
  }

 private:
  void read_member(Scenario& s, const std::string& key, const JsonNode& v) {
    const std::string what = key_name(key);
    if (key == "name") {
      s.name = read_string(v, what);
      if (!is_scenario_name(s.name))
        throw ParseError(v.loc(),
                         what + " must match " + kScenarioNameSyntax + ", found " + v.describe());
    } else if (key == "description") {
      s.description = read_string(v, what);
    } else if (key == "procs") {
      s.procs = static_cast<int>(read_integer(v, what, 1, kMaxProcs));
    } else if (key == "idle_threads" || key == kOldIdleThreadsKey) {
      s.idle_threads = static_cast<int>(read_integer(v, what, 0, kMaxIdleThreads));
    } else if (key == "main") {
      require_array(v, what);
      s.main = read_ops(v, "main#", refs_);
    } else if (key == "functions") {
      read_functions(s, v);
    } else if (key == "chans") {
      read_chans(s, v);
    } else if (key == "expect") {
      read_expectations(s, v);
    }
  }

  // "chans": {"c": {"cap": 3}}: make(chan struct{}, 3). A channel no op names is unbuffered.
  void read_chans(Scenario& s, const JsonNode& v) {
    require_object(v, key_name("chans"));
    for (const auto& [name, decl] : v.members()) {
      // "c$i" sizes every goroutine's own c1, c2, ... (the name as the ops write it).
      if (!is_local_name(name))
        throw ParseError(decl.key_loc(), "channel name " + quote(name) + " must match " + kIdentifierSyntax);
      const std::string what = "channel " + quote(name);
      require_object(decl, what);
      check_keys(decl, what, kChanKeys, kChanKeys);
      s.chans[name] = static_cast<int>(read_integer(decl.member("cap"), what + " \"cap\"", 0, kMaxChanCap));
      chan_locs_.emplace(name, decl.key_loc());
    }
  }

  // A declared channel that no send, recv or close names is a typo of one that is used (which
  // then silently stays unbuffered).
  void check_channels(const Scenario& s) const {
    std::set<std::string> used;
    const auto walk = [&](const auto& self, const std::vector<Op>& ops) -> void {
      for (const auto& op : ops) {
        if (op.kind == OpKind::Send || op.kind == OpKind::Recv || op.kind == OpKind::Close) used.insert(op.name);
        self(self, op.body);
      }
    };
    walk(walk, s.main);
    for (const auto& [fn, body] : s.functions) walk(walk, body);
    for (const auto& [name, loc] : chan_locs_)
      if (!used.count(name)) {
        std::vector<std::string> names(used.begin(), used.end());
        throw ParseError(loc, "channel " + quote(name) + " is declared in \"chans\" but no send, recv or close uses it" +
                                  unknown_name_hint(name, names));
      }
  }

  void read_functions(Scenario& s, const JsonNode& v) {
    require_object(v, key_name("functions"));
    for (const auto& [name, body] : v.members()) {
      if (!is_identifier(name))
        throw ParseError(body.key_loc(),
                         "function name " + quote(name) + " must match " + kIdentifierSyntax);
      // Labels would collide with main's ("main#0"), and `go main` would read as Go's main.
      if (name == "main")
        throw ParseError(body.key_loc(),
                         "function name \"main\" is reserved for the main goroutine");
      require_array(body, "function " + quote(name));
      refs_.define_function(name);
      s.functions[name] = read_ops(body, name + "#", refs_);
    }
  }

  void read_expectations(Scenario& s, const JsonNode& v) {
    require_object(v, key_name("expect"));
    for (const auto& [policy, entry] : v.members()) {
      if (std::find(opts_.policies.begin(), opts_.policies.end(), policy) == opts_.policies.end())
        throw ParseError(entry.key_loc(), "unknown policy " + quote(policy) +
                                              unknown_name_hint(policy, opts_.policies));
      s.expect[policy] = read_expectation(policy, entry);
      s.expect_order.push_back(policy);
    }
  }

  Expectation read_expectation(const std::string& policy, const JsonNode& entry) {
    const std::string context = "expectation for " + quote(policy);
    require_object(entry, context);
    check_keys(entry, context, kExpectationKeys, {});
    Expectation e;
    e.loc = entry.key_loc();
    for (const auto& [key, list] : entry.members()) {
      if (key == "verdicts" || key == "absent") read_verdict_list(list, key, key == "verdicts" ? e.verdicts : e.absent, e);
      else if (key == "reachable" || key == "unreachable") read_claim_list(list, key, key == "reachable" ? e.reachable : e.unreachable, e);
      else read_explore(list, e);
    }
    if (e.has_explore && !e.claims())
      throw ParseError(e.explore.loc, "\"explore\" says how to check \"reachable\"/\"unreachable\" claims, and " + context +
                                          " has none");
    return e;
  }

  // "reachable" / "unreachable": verdict kinds, and (reachable only) "clean".
  void read_claim_list(const JsonNode& list, const std::string& key, std::vector<std::string>& out, const Expectation& e) {
    require_array(list, key_name(key));
    std::vector<std::string> names = opts_.verdicts;
    if (key == "reachable") names.push_back(kCleanClaim);
    for (const JsonNode& item : list.elements()) {
      std::string v = read_choice(item, "claim", "verdict", names);
      auto listed = [&](const std::vector<std::string>& l) { return std::find(l.begin(), l.end(), v) != l.end(); };
      if (listed(out)) throw ParseError(item.loc(), "verdict " + quote(v) + " is listed twice in " + key_name(key));
      if (listed(e.reachable) || listed(e.unreachable))
        throw ParseError(item.loc(), "verdict " + quote(v) + " is listed in both \"reachable\" and \"unreachable\"");
      out.push_back(std::move(v));
    }
  }

  void read_explore(const JsonNode& v, Expectation& e) {
    require_object(v, key_name("explore"));
    check_keys(v, key_name("explore"), kExploreKeys, {});
    e.has_explore = true;
    e.explore.loc = v.key_loc();
    for (const auto& [key, x] : v.members()) {
      const std::string what = "explore " + key_name(key);
      if (key == "strategy") e.explore.strategy = read_choice(x, what, "exploration strategy", kExploreStrategies);
      else if (key == "bound") e.explore.bound = static_cast<int>(read_integer(x, what, 0, 16));
      else if (key == "depth") e.explore.depth = static_cast<int>(read_integer(x, what, 1, 16));
      else if (key == "seed") e.explore.seed = read_integer(x, what, 0, std::int64_t{1} << 53);
      else e.explore.budget = read_integer(x, what, 1, 1000000);
    }
  }

  // Fills `out` (e.verdicts or e.absent); a verdict may appear once across both lists.
  void read_verdict_list(const JsonNode& list, const std::string& key,
                         std::vector<std::string>& out, const Expectation& e) {
    require_array(list, key_name(key));
    for (const JsonNode& item : list.elements()) {
      std::string verdict = read_choice(item, "verdict", "verdict", opts_.verdicts);
      auto listed = [&](const std::vector<std::string>& l) {
        return std::find(l.begin(), l.end(), verdict) != l.end();
      };
      if (listed(out))
        throw ParseError(item.loc(),
                         "verdict " + quote(verdict) + " is listed twice in " + key_name(key));
      if (listed(e.verdicts) || listed(e.absent))
        throw ParseError(item.loc(), "verdict " + quote(verdict) +
                                         " is listed in both \"verdicts\" and \"absent\"");
      out.push_back(std::move(verdict));
    }
  }

  const ParseOptions& opts_;
  References refs_;
  std::map<std::string, Location> chan_locs_;  // "chans" declarations, for check_channels
};

}  // namespace

ParseError::ParseError(Location loc, const std::string& message)
    : std::runtime_error(loc.str() + ": " + message), loc_(std::move(loc)), message_(message) {}

Scenario parse_scenario(std::string_view text, const std::string& file, const ParseOptions& opts) {
  const LocatedJson doc(text, file);
  return ScenarioReader(opts).read(doc.root(), file);
}

Scenario load_scenario(const std::string& path, const ParseOptions& opts) {
  const std::string text = read_text_file(path);
  return parse_scenario(text, path == "-" ? kStdinName : path, opts);
}

}  // namespace nsleak::scenario
