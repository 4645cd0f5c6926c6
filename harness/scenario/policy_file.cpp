#include "harness/scenario/policy_file.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/fields.hpp"
#include "harness/scenario/file_text.hpp"
#include "harness/scenario/located_json.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

const std::vector<std::string> kPolicyKeys{"name", "base", "description", "toggles"};
constexpr const char* kDefaultBase = "go1.12";

// One file of the "base" chain being read: as the user wrote it (for messages) and as the
// file it is (to recognise "./a.json" and "a.json" as the same file).
struct Link {
  std::string shown;
  std::string identity;
};

std::string identity_of(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

std::vector<std::string> toggle_names() {
  std::vector<std::string> names;
  for (const auto& [name, on] : rt::policy_toggles(rt::Policy{})) names.push_back(name);
  return names;
}

rt::Policy read_document(std::string_view text, const std::string& file, std::vector<Link>& chain);

rt::Policy load_file(const std::string& path, std::vector<Link>& chain) {
  chain.push_back({path, identity_of(path)});
  const std::string text = read_text_file(path);
  rt::Policy p = read_document(text, path, chain);
  chain.pop_back();
  return p;
}

rt::Policy read_base(const JsonNode& v, std::vector<Link>& chain) {
  const std::string base = read_string(v, key_name("base"));
  if (const rt::Policy* preset = rt::find_policy_preset(base)) return *preset;
  if (!names_policy_file(base))
    throw ParseError(v.loc(), "unknown policy " + quote(base) + " in \"base\"" +
                                  unknown_name_hint(base, policy_names_for_hints()) +
                                  "; or give the path of a JSON policy file");
  const std::string id = identity_of(base);
  for (const auto& link : chain) {
    if (link.identity != id) continue;
    std::string cycle;
    for (const auto& l : chain) cycle += l.shown + " -> ";
    throw ParseError(v.loc(), "\"base\" makes a cycle: " + cycle + base);
  }
  if (chain.size() >= kMaxPolicyBaseChain)
    throw ParseError(v.loc(), "\"base\" chain is longer than " +
                                  std::to_string(kMaxPolicyBaseChain) + " files");
  try {
    return load_file(base, chain);
  } catch (const ParseError& e) {
    // The base file cannot be read at all: say so where it is named, not at base:0:0.
    if (e.where().file != base || e.where().line != 0) throw;
    throw ParseError(v.loc(), "base policy " + quote(base) + ": " + e.message());
  }
}

rt::Policy read_document(std::string_view text, const std::string& file, std::vector<Link>& chain) {
  const LocatedJson doc(text, file);
  const JsonNode root = doc.root();
  require_object(root, "a policy file");
  check_keys(root, "policy", kPolicyKeys, {});
  rt::Policy p = root.has("base") ? read_base(root.member("base"), chain)
                                  : rt::preset_policy(kDefaultBase);
  p.name = root.has("name") ? read_string(root.member("name"), key_name("name")) : file;
  p.description = root.has("description")
                      ? read_string(root.member("description"), key_name("description"))
                      : "custom policy from " + file;
  if (root.has("toggles")) {
    const JsonNode toggles = root.member("toggles");
    require_object(toggles, key_name("toggles"));
    for (const auto& [key, value] : toggles.members()) {
      bool* toggle = rt::policy_toggle(p, key);
      if (toggle == nullptr)
        throw ParseError(value.key_loc(),
                         "unknown toggle " + quote(key) + unknown_name_hint(key, toggle_names()));
      *toggle = read_bool(value, "toggle " + key_name(key));
    }
  }
  return p;
}

}  // namespace

std::vector<std::string> policy_names_for_hints() {
  auto names = rt::policy_names();
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return n == kDefaultBase; });
  return names;
}

bool names_policy_file(std::string_view name_or_path) {
  return name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".json");
}

rt::Policy load_policy(const std::string& name_or_path) {
  if (const rt::Policy* preset = rt::find_policy_preset(name_or_path)) return *preset;
  if (!names_policy_file(name_or_path)) return rt::preset_policy(name_or_path);  // throws
  std::vector<Link> chain;
  return load_file(name_or_path, chain);
}

rt::Policy parse_policy(std::string_view text, const std::string& file) {
  std::vector<Link> chain{{file, identity_of(file)}};
  return read_document(text, file, chain);
}

}  // namespace nsleak::scenario
