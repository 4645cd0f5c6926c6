// Labels: the text of a choice point and of its options, stable across runs and across edits
// that do not touch them (docs/scheduler.md §Labels), and back.
//
// The child records labels as numbers (trace::ChoicePoint, trace::ChoiceOption::label/occ);
// this turns them into `pick-g@main#3~2+1` / `steal:child#1` / `startm#2` against the
// scenario, and parses them back for replay tokens, with a reason when a name is unknown.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "harness/scenario/ids.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/trace/event.hpp"

namespace nsleak::explore {

// What identifies an option across runs: its subject and label, never its id or position.
// A G's source (runnext, steal, ...) is shown but not compared: it may change under an edit
// while the decision "run child#1 now" still means the same.
struct OptionKey {
  trace::OptionSubject subject = trace::OptionSubject::Action;
  std::uint32_t label = 0;
  std::uint32_t occ = 0;
  std::uint8_t detail = 0;  // an action; a G's source (informational)
  static OptionKey of(const trace::ChoiceOption& o) { return {o.subject, o.label, o.occ, o.detail}; }
  bool matches(const trace::ChoiceOption& o) const;
};

// Resolves against `sc`, which must outlive it.
class Labels {
 public:
  explicit Labels(const scenario::Scenario& sc);
  Labels(const Labels&) = delete;
  Labels& operator=(const Labels&) = delete;

  std::string point(trace::ChoiceKind kind, const trace::ChoicePoint& at) const;  // "pick-g@main#3"
  std::string option(trace::ChoiceKind kind, const OptionKey& o) const;           // "steal:child#1"
  std::string option(const trace::ChoiceOption& o) const { return option(o.kind, OptionKey::of(o)); }
  std::string g(std::uint32_t fn_tag, std::uint32_t occ) const;                   // "child#1"
  static std::string m(trace::MRole role, std::uint32_t occ);                     // "startm#2", "m0"
  std::string op(std::uint32_t id) const;  // "main#3", "start" for 0
  const scenario::Op* op_of(std::uint32_t id) const { return ids_.op(id); }

  // Parsing: nullopt and `why` (a sentence naming what is unknown) on failure.
  std::optional<std::pair<trace::ChoiceKind, trace::ChoicePoint>> parse_point(std::string_view text,
                                                                               std::string& why) const;
  std::optional<OptionKey> parse_option(trace::ChoiceKind kind, std::string_view text, std::string& why) const;

 private:
  const scenario::Scenario& sc_;
  scenario::Ids ids_;
  std::map<std::string, std::uint32_t, std::less<>> op_ids_;  // label -> id
};

}  // namespace nsleak::explore
