// Colours for the timeline page: one per namespace identity. Origin is neutral grey so that
// everything coloured is, at a glance, somewhere the program did not start.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "harness/runner/run_report.hpp"
#include "reports/html/run_view.hpp"

namespace nsleak::reports::timeline {

struct Rgb {
  double r, g, b;
};

// The namespace identities of one run, in order of first appearance, with their names ("origin"
// and every `as` the scenario gave, as the text story names them) and colours.
class Namespaces {
 public:
  struct Entry {
    trace::StateValue id;
    trace::KindIndex kind = 0;
    std::string name;
    bool origin = false;
    Rgb colour{};
  };

  explicit Namespaces(const RunView& v);

  const std::vector<Entry>& entries() const { return entries_; }
  std::string stroke(const trace::StateValue& id) const;
  // Box and swatch fill: light enough for dark text on it.
  std::string fill(const trace::StateValue& id) const;

 private:
  void see(const trace::StateValue& id, trace::KindIndex kind);
  Rgb colour(const trace::StateValue& id) const;

  const verdict::StateSet& origin_;
  std::map<trace::StateValue, std::size_t> index_;
  std::vector<Entry> entries_;
  std::size_t coloured_ = 0;
};

}  // namespace nsleak::reports::timeline
