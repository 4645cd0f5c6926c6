#include "harness/explore/labels.hpp"

#include <charconv>

#include "harness/trace/names.hpp"

namespace nsleak::explore {
namespace {

bool number(std::string_view s, std::uint32_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && out > 0;
}

constexpr trace::MRole kRoles[] = {trace::MRole::M0,   trace::MRole::Sysmon, trace::MRole::Template,
                                   trace::MRole::Pool, trace::MRole::Startm, trace::MRole::InheritSpawn};

// The roles there is one of: their label is the role alone.
bool singleton(trace::MRole r) {
  return r == trace::MRole::M0 || r == trace::MRole::Sysmon || r == trace::MRole::Template;
}

constexpr trace::GSource kSources[] = {trace::GSource::Runnext, trace::GSource::Local, trace::GSource::Global,
                                       trace::GSource::Steal, trace::GSource::StealRunnext};

}  // namespace

bool OptionKey::matches(const trace::ChoiceOption& o) const {
  if (o.subject != subject) return false;
  if (subject == trace::OptionSubject::Action) return o.detail == detail;
  return o.label == label && o.occ == occ;
}

Labels::Labels(const scenario::Scenario& sc) : sc_(sc), ids_(sc) {
  for (std::uint32_t id = 1; const scenario::Op* op = ids_.op(id); ++id) op_ids_.emplace(op->label, id);
}

std::string Labels::op(std::uint32_t id) const {
  if (id == 0) return "start";
  const scenario::Op* o = ids_.op(id);
  return o != nullptr ? o->label : "op" + std::to_string(id);
}

std::string Labels::point(trace::ChoiceKind kind, const trace::ChoicePoint& at) const {
  std::string s = std::string(trace::choice_kind_name(kind)) + "@" + op(at.op);
  if (at.op != 0 && at.occ > 1) s += "~" + std::to_string(at.occ);
  if (at.nth > 1) s += "+" + std::to_string(at.nth);
  return s;
}

std::string Labels::g(std::uint32_t fn_tag, std::uint32_t occ) const {
  return ids_.function_name(fn_tag) + "#" + std::to_string(occ);
}

std::string Labels::m(trace::MRole role, std::uint32_t occ) {
  const std::string r = trace::role_name(role);
  return singleton(role) && occ <= 1 ? r : r + "#" + std::to_string(occ);
}

std::string Labels::option(trace::ChoiceKind kind, const OptionKey& o) const {
  switch (o.subject) {
    case trace::OptionSubject::M: return m(static_cast<trace::MRole>(o.label), o.occ);
    case trace::OptionSubject::G:
      return std::string(trace::source_name(static_cast<trace::GSource>(o.detail))) + ":" + g(o.label, o.occ);
    case trace::OptionSubject::Action:
      if (const char* n = trace::option_action_name(kind, o.detail)) return n;
      return "action" + std::to_string(o.detail);
  }
  return "?";
}

std::optional<std::pair<trace::ChoiceKind, trace::ChoicePoint>> Labels::parse_point(std::string_view text,
                                                                                     std::string& why) const {
  const auto at = text.find('@');
  if (at == std::string_view::npos) {
    why = "a decision is KIND@POINT=OPTION (e.g. pick-g@main#3=local:child#1)";
    return std::nullopt;
  }
  trace::ChoiceKind kind{};
  if (!trace::choice_kind_from_name(text.substr(0, at), kind)) {
    why = "unknown choice kind \"" + std::string(text.substr(0, at)) + "\" (run-m, pick-g, preempt, ...)";
    return std::nullopt;
  }
  std::string_view rest = text.substr(at + 1);
  trace::ChoicePoint p;
  p.occ = 1;
  p.nth = 1;
  if (const auto plus = rest.rfind('+'); plus != std::string_view::npos) {
    std::uint32_t n = 0;
    if (!number(rest.substr(plus + 1), n) || n == 0) {
      why = "\"+" + std::string(rest.substr(plus + 1)) + "\" is not a choice number (+1, +2, ...)";
      return std::nullopt;
    }
    p.nth = n;
    rest = rest.substr(0, plus);
  }
  if (const auto tilde = rest.rfind('~'); tilde != std::string_view::npos) {
    if (!number(rest.substr(tilde + 1), p.occ)) {
      why = "\"~" + std::string(rest.substr(tilde + 1)) + "\" is not an occurrence (~1, ~2, ...)";
      return std::nullopt;
    }
    rest = rest.substr(0, tilde);
  }
  if (rest == "start") {
    p.op = 0;
    p.occ = 0;
  } else if (const auto it = op_ids_.find(rest); it != op_ids_.end()) {
    p.op = it->second;
  } else {
    why = "the scenario has no op labelled \"" + std::string(rest) + "\"";
    return std::nullopt;
  }
  return std::pair{kind, p};
}

std::optional<OptionKey> Labels::parse_option(trace::ChoiceKind kind, std::string_view text, std::string& why) const {
  for (std::uint8_t a = 0; a < 16; ++a)
    if (const char* n = trace::option_action_name(kind, a); n != nullptr && text == n)
      return OptionKey{trace::OptionSubject::Action, 0, 0, a};
  // An M: a role, optionally #N.
  std::string_view base = text;
  std::uint32_t occ = 1;
  const auto hash = text.rfind('#');
  if (hash != std::string_view::npos) {
    base = text.substr(0, hash);
    if (!number(text.substr(hash + 1), occ)) {
      why = "\"" + std::string(text) + "\": \"" + std::string(text.substr(hash + 1)) + "\" is not an occurrence";
      return std::nullopt;
    }
  }
  // A G's text has its run queue first ("local:child#1"), so a function named like a role
  // is still a G there.
  if (base.find(':') == std::string_view::npos)
    for (auto r : kRoles)
      if (base == trace::role_name(r)) return OptionKey{trace::OptionSubject::M, static_cast<std::uint32_t>(r), occ, 0};
  // A G: [SOURCE:]FUNCTION#N.
  std::uint8_t source = 0;
  if (const auto colon = base.find(':'); colon != std::string_view::npos) {
    bool known = false;
    for (auto s : kSources)
      if (base.substr(0, colon) == trace::source_name(s)) {
        source = static_cast<std::uint8_t>(s);
        known = true;
      }
    if (!known) {
      why = "unknown run queue \"" + std::string(base.substr(0, colon)) + "\" (runnext, local, global, steal, steal-runnext)";
      return std::nullopt;
    }
    base = base.substr(colon + 1);
  }
  if (hash == std::string_view::npos) {
    why = "\"" + std::string(text) + "\" is not an option (a goroutine FUNCTION#N, a thread like pool#1 or m0, or an action)";
    return std::nullopt;
  }
  const std::string fn(base);
  if (fn == "main") return OptionKey{trace::OptionSubject::G, 0, occ, source};
  if (fn == scenario::kExecCopier) return OptionKey{trace::OptionSubject::G, ids_.exec_copier_id(), occ, source};
  if (sc_.functions.count(fn) == 0) {
    why = "the scenario has no function \"" + fn + "\" (goroutine " + std::string(text) + ")";
    return std::nullopt;
  }
  return OptionKey{trace::OptionSubject::G, ids_.function_id(fn), occ, source};
}

}  // namespace nsleak::explore
