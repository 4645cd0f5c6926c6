// The timeline page: the HTML around each run's SVG timeline (header, legend, verdicts with
// their provenance, the thread table) and the page's static stylesheet.
#include "reports/html_timeline.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <sstream>

#include "harness/trace/names.hpp"

#include "reports/html/compare.hpp"
#include "reports/html/markup.hpp"
#include "reports/html/namespace_palette.hpp"
#include "reports/html/timeline_layout.hpp"
#include "reports/html/timeline_svg.hpp"
#include "reports/prose.hpp"

namespace nsleak::reports {
namespace {

using namespace timeline;
using runner::RunReport;

std::string outcome_word(const RunReport& r) {
  std::string o = verdict::outcome_name(r.judgement.outcome);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

void run_header(std::ostringstream& os, const RunReport& r, bool description) {
  const std::string o = outcome_word(r);
  std::string lower = verdict::outcome_name(r.judgement.outcome);
  os << "<h2><span class=\"outcome " << esc(lower) << "\">" << esc(o) << "</span> " << esc(r.scenario)
     << " <span class=\"policy\">[" << esc(r.policy) << "]</span></h2>\n";
  os << "<p class=\"reason\">" << esc(r.judgement.reason) << "</p>\n<dl class=\"meta\">";
  auto item = [&](const char* k, const std::string& v) { os << "<dt>" << k << "</dt><dd>" << esc(v) << "</dd>"; };
  item("policy", r.policy);
  item("strategy", r.strategy);
  item("file", r.file);
  if (r.judgement.has_expectation) {
    item("expects", join(r.judgement.expected));
    item("rules out", join(r.judgement.absent));
    if (!r.judgement.missing.empty()) item("missing", join(r.judgement.missing));
    if (!r.judgement.unexpected.empty()) item("unexpected", join(r.judgement.unexpected));
  }
  if (!r.reproduce.empty()) os << "<dt>reproduce</dt><dd><code>" << esc(r.reproduce) << "</code></dd>";
  os << "</dl>\n";
  if (description && !r.description.empty()) os << "<p class=\"description\">" << esc(r.description) << "</p>\n";
}

// "net, uts": the observed kinds, in table order.
std::string kind_list(const RunView& view) {
  std::vector<std::string> names;
  for (const auto k : view.kinds) names.push_back(TraceNames::kind(k));
  return join(names);
}

void legend(std::ostringstream& os, const Namespaces& ns, const RunView& view) {
  os << "<div class=\"legend\"><span class=\"legend-title\">Namespaces:</span>";
  for (const auto& e : ns.entries())
    os << "<span class=\"key\" data-ns=\"" << esc(e.id.str()) << "\" data-kind=\"" << esc(TraceNames::kind(e.kind))
       << "\"><span class=\"swatch\" style=\"background:" << ns.fill(e.id) << ";border-color:" << ns.stroke(e.id)
       << "\"></span>" << esc(view.ns.show(e.kind, e.id)) << "</span>";
  os << "</div>\n";
}

void how_to_read(std::ostringstream& os, const RunView& view) {
  if (view.r.observed) {  // a real program: kernel facts only
    os << "<p class=\"how\">Kernel facts only, as the seccomp supervisor saw them: one lane per thread (tid), one "
          "column per notified call or thread event, in order. A box is a call the thread made (setns, unshare, "
          "clone, execve, exit), as strace prints it, filled with the namespace the thread was in after it (one band "
          "per kind, top to bottom: "
       << esc(kind_list(view)) << "); the stripes along a lane are the thread's namespaces over time. Black arrows "
          "are clones, from the thread that made them; a dark bar ends a thread that exited; the green line is the "
          "program's exit_group. There are no goroutines here: which goroutine ran on a thread is not a kernel fact. "
          "Hover for details.</p>\n";
    return;
  }
  os << "<p class=\"how\">One lane per thread (M), one column per op or thread event, in order. "
        "A box is a goroutine's op, filled with the namespace its thread was in (one band per kind the run "
        "observed, top to bottom: "
     << esc(kind_list(view)) << "); the stripes along a lane are the thread's namespaces over time. "
        "Thick outline: the goroutine was locked to the thread. Red outline: it saw a namespace it "
        "did not believe it was in. Black arrows are clones; a blue dashed arrow goes from each <code>go</code> to the child goroutine's first step, on whatever thread it really ran. A dark bar ends a thread that exited, a "
        "hatched lane is M0 wedged forever.";
  if (view.large)
    os << " This run is large: a dashed box folds a stretch of steps that move no thread and raise no verdict "
          "not already drawn (it says how many ops of how many goroutines; red dashed: some of them saw a "
          "namespace their goroutine did not believe in, as the box drawn before did).";
  os << " Hover for details.</p>\n";
}

void verdict_list(std::ostringstream& os, const RunView& view) {
  const auto& r = view.r;
  os << "<h3>Verdicts</h3>\n";
  if (r.analysis.verdicts.empty()) {
    os << "<p class=\"no-verdicts\">None: no thread left origin where another goroutine could see it.</p>\n";
    return;
  }
  const Layout L(view);
  os << "<p>What leaked; the numbered lines trace each one back, oldest first.</p>\n<ol class=\"verdicts\">\n";
  for (std::size_t i = 0; i < r.analysis.verdicts.size(); ++i) {
    const auto& v = r.analysis.verdicts[i];
    if (!view.shown(i)) continue;  // counted with the first of its group
    const std::size_t col = L.col_at(v.seq);
    std::string where = v.m >= 0 ? "on " + view.thread(v.m, v.tid) : "";
    where += v.seq >= 0 ? " at step " + std::to_string(col + 1) + " (seq " + std::to_string(v.seq) + ")"
                        : " at the end of the run";
    os << "<li class=\"verdict-item\" data-kind=\"" << verdict::verdict_name(v.kind) << "\"><span class=\"vnum\">V"
       << i + 1 << "</span> <strong>" << verdict::verdict_name(v.kind) << "</strong> <span class=\"where\">"
       << esc(where) << "</span>: " << esc(view.summaries[i]);
    if (v.occurrences > 1) os << " (" << v.occurrences << " times)";
    if (const auto& gs = view.group_gs[i]; gs.size() > 1) {
      std::string list;
      for (std::size_t k = 0; k < gs.size() && k < 12; ++k) list += (k ? ", g" : "g") + std::to_string(gs[k]);
      os << " <span class=\"group\" data-count=\"" << gs.size() << "\">(" << gs.size() << " goroutines: " << esc(list)
         << (gs.size() > 12 ? ", \xE2\x80\xA6" : "") << ")</span>";
    }
    os << "\n<ol class=\"provenance\">";
    for (const auto& p : view.provenance[i]) os << "<li>" << esc(p) << "</li>";
    os << "</ol></li>\n";
  }
  os << "</ol>\n";
}

void thread_table(std::ostringstream& os, const RunView& view) {
  const auto& r = view.r;
  const bool observed = r.observed.has_value();  // no Ms, no roles: tids alone
  os << "<h3>Threads at the end</h3>\n<table class=\"threads\"><thead><tr>" << (observed ? "" : "<th>M</th>")
     << "<th>tid</th>" << (observed ? "" : "<th>role</th>") << "<th>state</th>";
  for (const auto k : view.kinds) os << "<th>" << esc(TraceNames::kind(k)) << "</th>";
  os << "<th>cloned from</th></tr></thead><tbody>";
  std::map<std::int64_t, pid_t> tid_of_m;
  for (const auto& t : r.analysis.threads) tid_of_m[t.m] = t.tid;
  for (const auto& t : r.analysis.threads) {
    os << "<tr>";
    if (!observed) os << "<td>m" << t.m << "</td>";
    os << "<td>" << t.tid << "</td>";
    if (!observed) os << "<td>" << esc(trace::role_name(t.role)) << "</td>";
    os << "<td>" << verdict::thread_state_name(t.end) << "</td>";
    for (const auto k : view.kinds)
      os << "<td>" << (t.state.has(k) ? esc(view.ns.show(k, t.state.value[k])) : std::string("\xE2\x80\x94")) << "</td>";
    os << "<td>"
       << (t.cloned_from < 0 ? std::string("\xE2\x80\x94")
           : observed        ? esc("tid " + std::to_string(tid_of_m[t.cloned_from]))
                             : esc("m" + std::to_string(t.cloned_from) + " (" + trace::via_name(t.via) + ")"))
       << "</td></tr>";
  }
  os << "</tbody></table>\n";
}

// A run's section: five blocks (header, legend, timeline, verdicts, threads), so that runs set
// side by side line up block by block (the .beside grid's subgrid rows).
void run_section(std::ostringstream& os, const RunReport& r, std::size_t run, const RunView* view,
                 const Namespaces* ns, bool beside, Fit fit) {
  os << "<section class=\"run\" id=\"run-" << run << "\">\n<div class=\"run-head\">";
  run_header(os, r, !beside);
  os << "</div>\n";
  if (view == nullptr) {
    os << "<p class=\"env-error\">The sandbox could not be set up: " << esc(r.record.env_error) << "</p>\n</section>\n";
    return;
  }
  os << "<div class=\"run-legend\">";
  legend(os, *ns, *view);
  if (!beside) how_to_read(os, *view);
  os << "</div>\n";
  if (!view->marks.empty()) {
    const Layout L(*view);
    for (const auto& m : view->marks)
      os << "<p class=\"mark-note\" data-seq=\"" << m.seq << "\"><strong>" << esc(m.label) << "</strong> (before step "
         << L.col_at(m.seq) + 1 << "): " << esc(m.text) << "</p>\n";
  }
  if (r.analysis.threads.empty()) os << "<p class=\"empty\">The run recorded no thread.</p>\n";
  else svg_timeline(os, *view, *ns, run, fit);
  os << "<div class=\"run-verdicts\">";
  if (!r.analysis.fault.empty()) os << "<p class=\"fault\">The program stopped: " << esc(r.analysis.fault) << "</p>\n";
  for (const auto& d : r.analysis.disagreements)
    os << "<p class=\"harness-bug\">HARNESS BUG (kernel vs runtime): " << esc(verdict::describe(d)) << "</p>\n";
  verdict_list(os, *view);
  os << "</div>\n<div class=\"run-threads\">";
  thread_table(os, *view);
  os << "</div>\n</section>\n";
}

// Beside: at most this many runs per row in a 1400-px window; more wrap to the next row.
constexpr int kBesideMax = 3;
constexpr int kBesideGap = 16;
constexpr int kBesideLabelW = 118;

// Consecutive runs of one scenario file under several policies, side by side.
void beside_block(std::ostringstream& os, const std::vector<RunReport>& runs, std::size_t from, std::size_t to,
                  const std::vector<std::unique_ptr<RunView>>& views,
                  const std::vector<std::unique_ptr<Namespaces>>& ns) {
  const RunReport& r = runs[from];
  const int n = static_cast<int>(std::min<std::size_t>(to - from, kBesideMax));
  const Fit fit{(kFitW - kBesideGap * (n - 1)) / n - 2, kBesideLabelW};
  std::string policies;
  for (std::size_t i = from; i < to; ++i) policies += (i > from ? " \xC2\xB7 " : "") + runs[i].policy;
  os << "<div class=\"compare\" data-scenario=\"" << esc(r.scenario) << "\" data-runs=\"" << to - from << "\">\n"
     << "<h2 class=\"compare-title\">" << esc(r.scenario) << " <span class=\"policy\">under " << esc(policies)
     << ", side by side</span></h2>\n";
  if (!r.description.empty()) os << "<p class=\"description\">" << esc(r.description) << "</p>\n";
  std::vector<ComparedRun> compared;
  for (std::size_t i = from; i < to; ++i)
    if (views[i] != nullptr) compared.push_back({views[i].get(), ns[i].get()});
  if (compared.size() > 1) {  // first: the one view that lines the policies up op by op
    os << "<h3>Op by op</h3>\n<p class=\"how\">Each op of the program, and where it ran under each policy: the "
          "thread, and the namespace that thread was in (by the name the scenario gave it). A highlighted row is "
          "where the policies differ. Below, each run's timeline, verdicts and threads, side by side.</p>\n";
    compare_table(os, compared);
  }
  if (!compared.empty()) how_to_read(os, *compared.front().view);
  os << "<div class=\"beside\" style=\"grid-template-columns:repeat(" << n << ",minmax(0,1fr))\">\n";
  for (std::size_t i = from; i < to; ++i) run_section(os, runs[i], i + 1, views[i].get(), ns[i].get(), true, fit);
  os << "</div>\n</div>\n";
}

// Static: no scenario text ever reaches the stylesheet.
const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em 2em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:0 0 .3em}
h2{font-size:1.25em;margin:.2em 0}
h3{font-size:1.05em;margin:1.2em 0 .3em}
section.run{border-top:3px solid #d8d8d8;margin-top:2em;padding-top:1em}
.compare{border-top:3px solid #d8d8d8;margin-top:2em;padding-top:1em}
.beside{display:grid;gap:0 16px}
.beside>section.run{display:grid;grid-row:span 5;grid-template-rows:subgrid;align-content:start;min-width:0;margin-top:1em}
.beside .run-head dl.meta{font-size:.88em}
.beside dd,.beside li{overflow-wrap:anywhere}
table.compare-ops{border-collapse:collapse;font-size:.88em}
table.compare-ops th,table.compare-ops td{padding:.1em .7em;text-align:left;border-bottom:1px solid #eee}
table.compare-ops tr.differs td:first-child{box-shadow:inset 4px 0 #c00000}
table.compare-ops tr.differs{font-weight:600}
table.compare-ops td.absent{color:#999}
nav ol{margin:.3em 0}
.outcome{display:inline-block;padding:.05em .5em;border-radius:4px;color:#fff;font-size:.8em;vertical-align:.1em}
.outcome.pass{background:#2e7d32}.outcome.fail{background:#c62828}
.outcome.error,.outcome.crash,.outcome.timeout{background:#6a1b9a}
.policy{color:#555;font-weight:normal}
.reason{margin:.2em 0 .5em;font-style:italic}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.4em 0}
dl.meta dt{color:#666}dl.meta dd{margin:0}
.description{white-space:pre-wrap;max-width:62em;background:#f7f7f2;border-left:4px solid #d8d8c8;padding:.5em .8em}
.legend{margin:.6em 0 .2em}
.legend-title{font-weight:600;margin-right:.6em}
.legend .key{display:inline-block;margin-right:1.4em;white-space:nowrap}
.legend .swatch{display:inline-block;width:1.6em;height:.9em;border:2px solid;border-radius:2px;vertical-align:middle;margin-right:.35em}
.how{color:#555;font-size:.9em;max-width:70em;margin:.2em 0 .6em}
.timeline{overflow-x:auto;border:1px solid #d0d0d0;background:#fff;display:flex;align-items:flex-start}
.timeline svg{display:block;flex:none}
.timeline svg.lane-heads{position:sticky;left:0;z-index:1;background:#fff}
.lane-heads-edge{stroke:#d0d0d0;stroke-width:1}
.run-timeline{min-width:0}
.fit-toggle{position:absolute;opacity:0;pointer-events:none}
.fit-label{display:inline-block;margin:.2em 0;font-size:.85em;color:#1f5fbf;cursor:pointer;text-decoration:underline dotted}
.fit-label .fit-on,.fit-toggle:checked~.fit-label .fit-off{display:none}
.fit-toggle:checked~.fit-label .fit-on{display:inline}
.fit-toggle:checked~.timeline svg.lanes{flex:1 1 0;width:0;min-width:0}
.fit-toggle:checked~.timeline svg.lanes text{display:none}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1b1b1b}
.tick{font-size:10px;fill:#777;text-anchor:middle}
.axis-caption{font-size:11px;fill:#777}
.grid{stroke:#e4e4e4;stroke-width:1}
.lane-label{font-size:12px;font-weight:600}
.lane-sub{font-size:10.5px;fill:#666}
.stripe-label{font-size:7px;fill:#777;text-anchor:end}
.box{fill:none;stroke:#6b6b6b;stroke-width:1}
.box.locked{stroke:#111;stroke-width:2.4}
.box.fold{stroke:#888;stroke-dasharray:3 2}
.box.surprised{stroke:#c00000;stroke-width:2.6}
.op-g{font-size:10.5px;font-weight:700}
.op-fn{font-weight:400}
.op-name{font-size:9px}
.arrow{stroke:#222;stroke-width:1.6}
.arrow.via-template{stroke-dasharray:5 3}
.arrowhead{fill:#222}
.spawn-arrow{fill:none;stroke:#1f5fbf;stroke-width:1.6;stroke-dasharray:3 2}
.spawn-head{fill:#1f5fbf}
.arrow-label,.mark-label{font-size:9.5px;fill:#333}
.dot{fill:#333}
.exit-line{stroke:#2e7d32;stroke-width:1.5;stroke-dasharray:4 3}
.fault-line{stroke:#c00000;stroke-width:2;stroke-dasharray:6 3}
.exit-label{font-size:10px;fill:#2e7d32}
.fault-label{font-size:10px;fill:#c00000;font-weight:700}
.verdict-pin{stroke:#c00000;stroke-width:1.2}
.verdict-mark{fill:#c00000}
.verdict-label{font-size:10px;font-weight:700;fill:#a00000}
.verdict-label.flipped{text-anchor:end}
.flip-line{stroke:#6a1b9a;stroke-width:2;stroke-dasharray:7 3}
.flip-lane{fill:#6a1b9a;fill-opacity:.12;stroke:#6a1b9a;stroke-width:1.5}
.flip-label{font-size:10.5px;font-weight:700;fill:#6a1b9a}
.mark-note{border-left:4px solid #6a1b9a;padding:.2em .7em;background:#f6f0fa;max-width:70em}
ol.verdicts{list-style:none;padding-left:0}
ol.verdicts>li{margin-bottom:.5em}
.vnum{display:inline-block;min-width:2em;font-weight:700;color:#a00000}
.where{color:#555}
ol.provenance{margin:.2em 0;color:#333}
table.threads{border-collapse:collapse}
table.threads th,table.threads td{padding:.15em .9em .15em 0;text-align:left;border-bottom:1px solid #eee}
.env-error,.fault,.harness-bug{color:#b00000;font-weight:600}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.92em}
)";

}  // namespace

std::string html_timeline(const std::vector<RunReport>& runs, const std::vector<TimelineMark>& marks) {
  std::ostringstream os;
  const std::string title =
      runs.size() == 1 ? "nsleak: " + runs[0].scenario + " [" + runs[0].policy + "]"
                       : "nsleak: " + std::to_string(runs.size()) + " runs";
  os << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
     << "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
     << "<title>" << esc(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
     << "<h1>" << esc(title) << "</h1>\n"
     << "<p class=\"how\">Goroutines (g1, g2, ...) run on OS threads (m0, m1, ...; tid = kernel thread id). "
        "A namespace belongs to a thread, not to a goroutine: after UnlockOSThread a thread may run any "
        "goroutine, in whatever namespace it was left in.</p>\n";
  if (runs.size() > 1) {
    os << "<nav><ol>";
    for (std::size_t i = 0; i < runs.size(); ++i)
      os << "<li><a href=\"#run-" << i + 1 << "\">" << esc(outcome_word(runs[i]) + " " + runs[i].scenario + " [" +
                                                             runs[i].policy + "]")
         << "</a></li>";
    os << "</ol></nav>\n";
  }
  std::vector<std::unique_ptr<RunView>> views;
  std::vector<std::unique_ptr<Namespaces>> ns;
  for (const auto& r : runs) {
    const bool traced = r.record.env_error.empty();
    views.push_back(traced ? std::make_unique<RunView>(r) : nullptr);
    for (const auto& m : marks)
      if (traced && m.run == views.size() - 1) views.back()->marks.push_back(m);
    ns.push_back(traced ? std::make_unique<Namespaces>(*views.back()) : nullptr);
  }
  for (std::size_t i = 0; i < runs.size();) {
    std::size_t j = i + 1;  // the same scenario file under the next policies
    while (j < runs.size() && runs[j].file == runs[i].file && runs[j].scenario == runs[i].scenario &&
           runs[j].policy != runs[i].policy)
      ++j;
    if (j - i > 1) beside_block(os, runs, i, j, views, ns);
    else run_section(os, runs[i], i + 1, views[i].get(), ns[i].get(), false, Fit{});
    i = j;
  }
  os << "</body>\n</html>\n";
  return os.str();
}

}  // namespace nsleak::reports
