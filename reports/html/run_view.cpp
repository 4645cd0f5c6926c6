#include "reports/html/run_view.hpp"

#include <map>
#include <tuple>

#include "reports/prose.hpp"

namespace nsleak::reports::timeline {

RunView::RunView(const runner::RunReport& report) : r(report), names(report), ns(report) {
  const auto& a = r.analysis;
  for (trace::KindIndex k = 0; k < trace::kMaxStateKinds; ++k)
    if (a.origin.has(k)) kinds.push_back(k);
  large = a.steps > kLargeRun;
  std::map<std::tuple<int, std::int64_t, int, trace::StateValue>, std::size_t> first;
  for (std::size_t i = 0; i < a.verdicts.size(); ++i) {
    const auto& v = a.verdicts[i];
    const auto key = std::make_tuple(static_cast<int>(v.kind), v.m, static_cast<int>(v.kind_index), v.value);
    const std::size_t l = large ? first.emplace(key, i).first->second : i;
    lead.push_back(l);
    group_gs.emplace_back();
    if (v.g >= 0) group_gs[l].push_back(v.g);
  }
  if (r.observed) {  // an observed program: its findings, in the words of `nsleak observe`
    const ObserveProse prose(r.kernel, *r.observed);
    for (const auto& f : r.observed->findings) {
      summaries.push_back(prose.summary(f));
      provenance.emplace_back();
      for (const auto& t : r.observed->threads) {
        if (t.tid != f.tid) continue;
        provenance.back().push_back(prose.life(t));
        for (std::size_t c = 1; c < t.timeline.size(); ++c) provenance.back().push_back(prose.change(t, t.timeline[c]));
      }
    }
    return;
  }
  const Prose prose(r, ns, names, true);
  for (const auto& v : a.verdicts) {
    summaries.push_back(prose.summary(v));
    provenance.emplace_back();
    for (const auto& s : v.provenance) provenance.back().push_back(prose.step(s));
  }
}

std::string RunView::thread(std::int64_t m, std::int32_t tid) const {
  return r.observed ? "tid " + std::to_string(tid) : mdesc(m, tid);
}

std::string RunView::list(const verdict::StateSet& s, std::size_t from) const {
  std::string out;
  for (std::size_t i = from; i < kinds.size(); ++i)
    if (s.has(kinds[i])) out += (out.empty() ? "" : ", ") + ns.show(kinds[i], s.value[kinds[i]]);
  return out;
}

verdict::StateSet state_of(const trace::TaskRow& row) {
  verdict::StateSet s;
  s.mask = row.mask;
  s.value = row.state;
  return s;
}

verdict::StateSet state_of(const std::vector<trace::OpState>& states, bool belief) {
  verdict::StateSet s;
  for (const auto& o : states) {
    s.mask |= 1u << o.kind;
    s.value[o.kind] = belief ? o.belief : o.now;
  }
  return s;
}

}  // namespace nsleak::reports::timeline
