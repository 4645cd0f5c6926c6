#include "reports/html/run_view.hpp"

#include "harness/os/state_kind.hpp"
#include "harness/trace/names.hpp"
#include "reports/event_json.hpp"
#include "reports/prose.hpp"

namespace nsleak::reports::timeline {

RunView::RunView(const runner::RunReport& report) : r(report), events(events_json(report)) {
  const auto net = static_cast<trace::KindIndex>(os::index(os::StateKind::Net));
  const auto uts = static_cast<trace::KindIndex>(os::index(os::StateKind::Uts));
  const auto& a = r.analysis;
  origin = a.origin.has(net) ? a.origin.value[net].str() : "";
  origin_uts = a.origin.has(uts) ? a.origin.value[uts].str() : "";
  const NsNames ns(r);
  const TraceNames names(r);
  const Prose prose(r, ns, names, true);
  for (const auto& v : a.verdicts) {
    summaries.push_back(prose.summary(v));
    provenance.emplace_back();
    for (const auto& s : v.provenance) provenance.back().push_back(prose.step(s));
  }
  for (const auto& t : a.threads)
    threads.push_back({trace::role_name(t.role), verdict::thread_state_name(t.end), t.state.value[net].str(),
                       t.state.has(uts) ? t.state.value[uts].str() : "", trace::via_name(t.via)});
}

}  // namespace nsleak::reports::timeline
