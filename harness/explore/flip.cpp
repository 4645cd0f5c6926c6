#include "harness/explore/flip.hpp"

#include "harness/explore/explorer.hpp"

namespace nsleak::explore {

FlipPoint flip_point(const Labels& labels, const Decision& last, const runner::RunReport& with, const Outcome& without) {
  FlipPoint fp;
  fp.point = labels.point(last.kind, last.at);
  fp.kind = last.kind;
  fp.chosen = labels.option(last.kind, last.option);
  fp.without = without;
  const auto ms = m_labels(with.record.events);
  const auto gs = g_labels(with.record.events);
  for (const auto& c : choices_of(with.record.events))
    if (c.kind == last.kind && c.at == last.at) {
      if (!c.options.empty()) fp.instead = labels.option(c.options.front());
      if (c.by >= 0 && static_cast<std::size_t>(c.by) < ms.size()) fp.by = Labels::m(ms[c.by].first, ms[c.by].second);
      if (const auto it = gs.find(c.op_g); it != gs.end()) fp.op_g = labels.g(it->second.first, it->second.second);
      fp.seq = c.seq;
      fp.m = c.by;
    }
  return fp;
}

FlipReplay replay_flip(const scenario::Scenario& sc, const std::string& text, const runner::RunOptions& opt) {
  FlipReplay out;
  out.run = replay(sc, text, opt);
  const Labels labels(sc);
  Schedule s = parse_token(text, labels);
  if (s.empty() || !out.run.record.env_error.empty()) return out;
  const Decision last = s.back();
  s.pop_back();
  out.without_token = token(s, labels);
  out.without = replay(sc, out.without_token, opt);
  out.flip = flip_point(labels, last, out.run, outcome_of(*out.without));
  for (const auto& c : choices_of(out.without->record.events))
    if (c.kind == last.kind && c.at == last.at) {
      out.without_seq = c.seq;
      out.without_m = c.by;
    }
  return out;
}

}  // namespace nsleak::explore
