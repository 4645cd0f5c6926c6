#include "harness/cli/fix_effect.hpp"

#include <algorithm>
#include <utility>

namespace nsleak::cli {
namespace {

std::vector<std::string> leak_kinds(const verdict::Analysis& a) {
  std::vector<std::string> out;
  for (const auto& v : a.verdicts)
    if (verdict::verdict_is_leak(v.kind) && std::find(out.begin(), out.end(), verdict::verdict_name(v.kind)) == out.end())
      out.emplace_back(verdict::verdict_name(v.kind));
  return out;
}

std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "-" : s;
}

}  // namespace

FixEffect fix_effect(const runner::RunReport& base, const runner::RunReport& fix) {
  const auto b = leak_kinds(base.analysis), f = leak_kinds(fix.analysis);
  return {minus(b, f), minus(f, b)};
}

std::string fix_effect_text(const FixEffect& e) {
  if (e.closed.empty() && e.opened.empty()) return "unchanged (the same leak kinds as the base policy)";
  return "closed " + joined(e.closed) + "; opened " + joined(e.opened);
}

std::string verdict_counts(const verdict::Analysis& a) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& v : a.verdicts) {
    const std::string name = verdict::verdict_name(v.kind);
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == name; });
    if (it == counts.end()) counts.emplace_back(name, 1);
    else ++it->second;
  }
  std::string s;
  for (const auto& [name, n] : counts) s += (s.empty() ? "" : ", ") + name + (n > 1 ? " x" + std::to_string(n) : "");
  return s.empty() ? "-" : s;
}

}  // namespace nsleak::cli
