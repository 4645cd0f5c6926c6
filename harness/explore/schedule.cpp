#include "harness/explore/schedule.hpp"

#include <array>
#include <map>
#include <set>
#include <tuple>

#include "harness/runtime/bad_input.hpp"

namespace nsleak::explore {
namespace {

// A decision's point as an ordered key, so that a token's decisions and a run's choices (both can
// be 10,000s long for a random or PCT run) are looked up rather than scanned for.
using PointKey = std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t>;  // (kind, op, occ, nth)
PointKey point_key(trace::ChoiceKind kind, const trace::ChoicePoint& at) {
  return {static_cast<int>(kind), at.op, at.occ, at.nth};
}

}  // namespace

std::vector<ChoiceRec> choices_of(std::span<const trace::Event> events) {
  std::vector<ChoiceRec> out;
  trace::GoId op_g = trace::kNoG;
  bool op_locked = false;
  bool last_was_choice = false;
  for (const auto& ev : events) {
    if (const auto* op = ev.as<trace::Op>()) {
      op_g = op->g;
      op_locked = op->locked;
    }
    if (const auto* c = ev.as<trace::Choice>()) {
      ChoiceRec r;
      r.kind = c->kind;
      r.at = c->at;
      r.noptions = c->noptions;
      r.chosen = c->chosen;
      r.by = c->by;
      r.options = ev.options;
      r.op_g = op_g;
      r.op_locked = op_locked;
      r.seq = ev.seq;
      r.follows_choice = last_was_choice;
      out.push_back(std::move(r));
      last_was_choice = true;
    } else if (ev.seq >= 0) {
      last_was_choice = false;
    }
  }
  return out;
}

Schedule non_default(std::span<const ChoiceRec> choices) {
  Schedule s;
  for (const auto& c : choices)
    if (c.chosen != 0 && c.chosen < c.options.size()) s.push_back({c.kind, c.at, OptionKey::of(c.options[c.chosen])});
  return s;
}

std::string decision_text(const Decision& d, const Labels& labels) {
  return labels.point(d.kind, d.at) + "=" + labels.option(d.kind, d.option);
}

std::string token(const Schedule& s, const Labels& labels) {
  std::string t;
  for (const auto& d : s) t += (t.empty() ? "" : ",") + decision_text(d, labels);
  return t;
}

Schedule parse_token(std::string_view token, const Labels& labels) {
  Schedule s;
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\n')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\n')) v.remove_suffix(1);
    return v;
  };
  token = trim(token);
  if (token.empty() || token == "go-order") return s;
  std::size_t n = 0;
  std::set<PointKey> decided;
  while (!token.empty()) {
    const auto comma = token.find(',');
    const std::string_view part = trim(token.substr(0, comma));
    token = comma == std::string_view::npos ? std::string_view{} : token.substr(comma + 1);
    ++n;
    const std::string where = "replay token, decision " + std::to_string(n) + " \"" + std::string(part) + "\": ";
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) throw rt::BadInput(where + "a decision is KIND@POINT=OPTION (e.g. pick-g@main#3=local:child#1)");
    std::string why;
    const auto point = labels.parse_point(part.substr(0, eq), why);
    if (!point) throw rt::BadInput(where + why);
    const auto option = labels.parse_option(point->first, part.substr(eq + 1), why);
    if (!option) throw rt::BadInput(where + why);
    if (!decided.insert(point_key(point->first, point->second)).second)
      throw rt::BadInput(where + "its point is already decided earlier in the token");
    s.push_back({point->first, point->second, *option});
  }
  return s;
}

std::optional<std::string> divergence(const Schedule& asked, std::span<const ChoiceRec> ran, const Labels& labels) {
  std::map<PointKey, const ChoiceRec*> last;  // each point's last choice in the run
  if (!asked.empty())
    for (const auto& c : ran) last[point_key(c.kind, c.at)] = &c;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const Decision& d = asked[i];
    const std::string head = "replay token, decision " + std::to_string(i + 1) + " of " + std::to_string(asked.size()) +
                             " (" + decision_text(d, labels) + ")";
    const auto found = last.find(point_key(d.kind, d.at));
    const ChoiceRec* at = found == last.end() ? nullptr : found->second;
    std::string where;
    if (const scenario::Op* op = labels.op_of(d.at.op)) where = " (" + op->loc.str() + ")";
    if (at == nullptr)
      return head + ": the run never came to " + labels.point(d.kind, d.at) + where +
             "; the schedule diverged there (the scenario or the policy changed since the token was made)";
    if (at->chosen >= at->options.size() || !d.option.matches(at->options[at->chosen])) {
      std::string opts;
      for (const auto& o : at->options) opts += (opts.empty() ? "" : ", ") + labels.option(o);
      return head + ": at " + labels.point(d.kind, d.at) + where + " the options were " + opts +
             "; the schedule diverged there (the scenario or the policy changed since the token was made)";
    }
  }
  return std::nullopt;
}

std::vector<std::pair<trace::MRole, std::uint32_t>> m_labels(std::span<const trace::Event> events) {
  std::vector<std::pair<trace::MRole, std::uint32_t>> out{{trace::MRole::M0, 1}};
  std::array<std::uint32_t, 8> made{};
  made[static_cast<std::size_t>(trace::MRole::M0)] = 1;
  for (const auto& ev : events)
    if (const auto* nm = ev.as<trace::NewM>()) {
      if (nm->m < 0) continue;
      if (static_cast<std::size_t>(nm->m) >= out.size()) out.resize(static_cast<std::size_t>(nm->m) + 1);
      out[static_cast<std::size_t>(nm->m)] = {nm->role, ++made[static_cast<std::size_t>(nm->role)]};
    }
  return out;
}

std::map<trace::GoId, std::pair<std::uint32_t, std::uint32_t>> g_labels(std::span<const trace::Event> events) {
  std::map<trace::GoId, std::pair<std::uint32_t, std::uint32_t>> out{{1, {0, 1}}};
  std::map<std::uint32_t, std::uint32_t> spawned{{0, 1}};
  for (const auto& ev : events)
    if (const auto* np = ev.as<trace::NewProc>()) out[np->g] = {np->fn, ++spawned[np->fn]};
  return out;
}

}  // namespace nsleak::explore
