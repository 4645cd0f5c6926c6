#!/usr/bin/python3
"""The HTML timeline page (nsleak --html FILE, nsleak run ... --html FILE), written by the real
binary, checked against what the same invocation says otherwise:

  - it is well-formed XML (xmllint --noout, XML mode: the HTML parser of libxml2 2.9 knows no
    <section> or <svg> and exits 0 on anything, so it could not catch a broken page);
  - one section per run, in order; per run one lane per thread of the run's report (labelled
    "mN tid T (role)"), one op box per op step, one clone arrow per newm event (with its via),
    one lane end per mexit/wedge event, one arrow from each `go` to the child's first step, one
    marker and one list entry per verdict, with its provenance;
  - scenario text is escaped: a description with <script>, &, quotes, a control character and
    a C1 control comes back as the same text, and the page holds no script and loads nothing;
  - the page is self-contained and its ids are unique (several runs share one page);
  - op boxes read the Go call whole ("mainNs := netns.Get()", "runtime.UnlockOSThread()"),
    lane labels are not cut, and they sit in their own (sticky) column;
  - namespace ids read as the kernel prints them (net:[4026532178]), never NS(dev:ino);
  - every state kind the run observed gets its stripe, legend entries and thread-table column
    (the ipc scenario: net, uts and ipc, in the state table's order, net first);
  - bad use exits 2: an unwritable path, or --html before a subcommand;
  - `nsleak replay F TOKEN --html P`: the token's run with its flip point marked (the same
    sentence `nsleak explore` printed for that class), beside the run without that decision,
    which shows what the flip point said it would; a go-order token has no mark.

Needs xmllint (Debian's libxml2-utils); without it this test FAILS. Skips (77) when this machine
cannot run namespaces (`nsleak` exits 3).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from nsleak_testlib import Checks, json_documents

XMLLINT = shutil.which("xmllint")
if XMLLINT is None:  # never a silent pass
    print("FAIL - xmllint is not installed (it checks that the page is well-formed): "
          "apt-get install libxml2-utils")
    print("0 passed, 1 failed")
    sys.exit(1)

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
ENVIRONMENT = 3

HOSTILE = ('Hostile <script>alert("x")</script> & "double" \'single\' <b>unclosed ]]> '
           '\u0007bell \u0085next-line caf\u00e9')
# What the page shows for it: controls that XML cannot carry, or browsers drop, as \\uXXXX.
HOSTILE_SHOWN = HOSTILE.replace("\u0007", "\\u0007").replace("\u0085", "\\u0085")


def classes(e):
    return e.get("class", "").split()


def text_of(e):
    return "".join(e.itertext())


def find(root, tag, cls):
    return [e for e in root.iter(tag) if cls in classes(e)]


def lanes_svg(section):
    """The run's timeline proper; beside it, the sticky column of lane labels (svg.lane-heads)."""
    return next((e for e in section.iter(SVG + "svg") if "lanes" in classes(e)), None)


def lane_heads(section):
    """Lane labels, per lane: {m: [text, ...]}, from the sticky label column."""
    heads = next((e for e in section.iter(SVG + "svg") if "lane-heads" in classes(e)), None)
    if heads is None:
        return {}
    return {int(g.get("data-m")): g for g in find(heads, SVG + "g", "lane-head")}


def xml_ok(c, path, what):
    p = subprocess.run([XMLLINT, "--noout", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return c.check(p.returncode == 0, "%s: well-formed (xmllint --noout)" % what,
                   p.stderr.decode("utf-8", "replace")[:3000])


def parse(c, path, what):
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as e:
        c.check(False, "%s: parses as XML" % what, str(e))
        return None


def hostile_scenario(c):
    """The uts locked-exit scenario with a description full of markup and controls."""
    src = open(c.path("scenarios", "beyond-netns", "uts-locked-exit-dirty-reuse.json"), encoding="utf-8").read()
    new, n = re.subn(r'"description":\s*"(?:[^"\\]|\\.)*"',
                     lambda m: '"description": ' + json.dumps(HOSTILE), src, count=1)
    assert n == 1, "the scenario has no description to replace"
    path = os.path.join(c.tmp, "hostile-uts.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return path


def split_runs(events_path):
    """The --events stream of several runs: each run starts with its "sandbox" event."""
    runs = []
    with open(events_path, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("ev") == "sandbox" or not runs:
                runs.append([])
            runs[-1].append(ev)
    return runs


def check_self_contained(c, raw, what):
    c.check(not re.search(rb"<script", raw, re.I), "%s: no <script> element anywhere" % what)
    c.check(not re.search(rb"<(link|img|iframe|object|embed)\b", raw, re.I), "%s: no external resource element" % what)
    ext = re.findall(rb'(?:src|href)\s*=\s*"(?!#)[^"]*"|url\((?!#)[^)]*\)|@import', raw)
    c.check(not ext, "%s: loads nothing (only #fragment references)" % what, repr(ext[:5]))


def check_ids_unique(c, root, what):
    ids = [e.get("id") for e in root.iter() if e.get("id") is not None]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    c.check(not dup, "%s: every id is unique on the page" % what, repr(dup))


def check_run(c, section, report, events, what):
    """One section against the JSON report and the event stream of the same run."""
    header = text_of(section.find(".//" + XHTML + "h2"))
    c.check(report["scenario"] in header and report["policy"] in header and
            report["outcome"].upper() in header, "%s: header names scenario, policy and outcome" % what, header)
    body = text_of(section)
    c.check(report["strategy"] in body and report["reason"] in body, "%s: strategy and reason shown" % what)
    svg = lanes_svg(section)
    if not c.check(svg is not None, "%s: has an SVG timeline" % what):
        return

    lanes = find(svg, SVG + "g", "lane")
    want = [(t["m"], t["tid"], t["role"]) for t in report["threads"]]
    got = [(int(g.get("data-m")), int(g.get("data-tid")), g.get("data-role")) for g in lanes]
    c.equal(got, want, "%s: one lane per thread of the run (m, tid, role)" % what)
    heads = lane_heads(section)
    labels = [text_of(t) for m, _, _ in want for t in heads.get(m, ET.Element("g")).iter(SVG + "text")
              if "lane-label" in classes(t)]
    c.equal(labels, ["m%d tid %d (%s)" % w for w in want], "%s: lane labels 'mN tid T (role)', in the label column"
            % what)
    c.check(not any("\u2026" in text_of(t) for g in heads.values() for t in g.iter(SVG + "text")),
            "%s: no lane label is cut (squeezed to fit instead)" % what)

    ops = [int(g.get("data-seq")) for g in find(svg, SVG + "g", "op")]
    c.equal(ops, [s["seq"] for s in report["steps"]], "%s: one box per op step, in order" % what)
    c.equal(ops, [e["seq"] for e in events if e.get("ev") == "op"], "%s: ... and per op event" % what)
    drawn = [g for g in find(svg, SVG + "g", "op") if g.find(SVG + "rect") is not None]
    c.equal(len(drawn), len(ops), "%s: every op box is drawn on a lane" % what)

    newm = [(int(g.get("data-seq")), int(g.get("data-from")), int(g.get("data-m")), g.get("data-via"),
             re.sub(r"\s+", " ", text_of(g.find(SVG + "text")) if g.find(SVG + "text") is not None else ""))
            for g in find(svg, SVG + "g", "newm")]
    c.equal(newm, [(e["seq"], e["from_m"], e["m"], e["via"], "clone(%s)" % e["via"])
                   for e in events if e.get("ev") == "newm"],
            "%s: one clone arrow per newm event, from its M to the new one, labelled with its via" % what)
    c.check(all(g.find(SVG + "line") is not None and g.find(SVG + "polygon") is not None
                for g in find(svg, SVG + "g", "newm")), "%s: every clone is an arrow (line + head)" % what)

    first = {}
    for e in events:
        if e.get("ev") == "op":
            first.setdefault(e["g"], e)
    want_spawns = [(e["g"], e["child"], e["m"], first[e["child"]]["m"]) for e in events
                   if e.get("ev") == "op" and e.get("op") == "go" and e.get("child") in first]
    spawns = [(int(g.get("data-g")), int(g.get("data-child")), int(g.get("data-from-m")), int(g.get("data-to-m")))
              for g in find(svg, SVG + "g", "spawn")]
    c.equal(spawns, want_spawns, "%s: an arrow from each go to the child's first step, on its thread" % what)
    c.check(all(g.find(SVG + "path") is not None for g in find(svg, SVG + "g", "spawn")),
            "%s: every spawn is drawn (a path)" % what)

    ends = [(g.get("data-ev"), int(g.get("data-m"))) for g in find(svg, SVG + "g", "lane-end")]
    c.equal(ends, [(e["ev"], e["m"]) for e in events if e.get("ev") in ("mexit", "wedge")],
            "%s: one lane end per mexit/wedge event" % what)

    marks = [(g.get("data-kind"), int(g.get("data-m"))) for g in find(svg, SVG + "g", "verdict")]
    c.equal(marks, [(v["kind"], v["m"]) for v in report["verdicts"]], "%s: one marker per verdict, on its M" % what)
    names = [text_of(t) for g in find(svg, SVG + "g", "verdict") for t in g.iter(SVG + "text")]
    c.check(all(v["kind"] in n for v, n in zip(report["verdicts"], names)) and len(names) == len(report["verdicts"]),
            "%s: each marker is labelled with its verdict name" % what, repr(names))

    items = find(section, XHTML + "li", "verdict-item")
    c.equal([li.get("data-kind") for li in items], [v["kind"] for v in report["verdicts"]],
            "%s: the verdict list below the timeline names every verdict" % what)
    prov = [len(li.find(XHTML + "ol").findall(XHTML + "li")) for li in items]
    c.equal(prov, [len(v["provenance"]) for v in report["verdicts"]],
            "%s: each verdict lists its numbered provenance" % what)

    legend = {k.get("data-ns") for k in find(section, XHTML + "span", "key")}
    used = {t["ns"] for t in report["threads"]} | {report["origin"]}
    c.check(used <= legend, "%s: the legend names every namespace a thread ended in" % what,
            "missing: %r" % sorted(used - legend))


def check_default_run(c):
    """`nsleak --html FILE`: the article, cross-checked with the story printed by the same run."""
    page = os.path.join(c.tmp, "article.html")
    p = c.run(["--html", page])
    story = p.stdout.decode("utf-8", "replace")
    if not c.equal(p.returncode, 0, "nsleak --html FILE exits 0 (the article passes)"):
        print(p.stderr.decode("utf-8", "replace"))
        return
    if not xml_ok(c, page, "article page"):
        return
    root = parse(c, page, "article page")
    if root is None:
        return
    check_self_contained(c, open(page, "rb").read(), "article page")
    sections = find(root, XHTML + "section", "run")
    if not c.equal(len(sections), 1, "article page: one run section"):
        return
    svg = lanes_svg(sections[0])
    threads = re.findall(r"^  m(\d+)\s+tid (\d+)\s+(\S+)", story, re.M)
    lanes = [(g.get("data-m"), g.get("data-tid"), g.get("data-role")) for g in find(svg, SVG + "g", "lane")]
    c.equal(lanes, threads, "article page: lanes are the story's threads")
    op_lines = re.findall(r"^  (?:\u2717 |  )g\d+ ", story, re.M)
    c.equal(len(find(svg, SVG + "g", "op")), len(op_lines), "article page: one box per op line of the story")
    # Issue 13.6: boxes say the Go call the op stands for, whole, not `get` and not `g55 reade`.
    boxes = [[text_of(t) for t in g.iter(SVG + "text")] for g in find(svg, SVG + "g", "op")]
    calls = ["".join(b[1:]).replace(" ", "") for b in boxes]
    for want in ("mainNs := netns.Get()", "runtime.LockOSThread()", "newNs := netns.New()", "go child()",
                 "runtime.UnlockOSThread()"):
        c.check(want.replace(" ", "") in calls, "article page: a box reads %r (over its lines)" % want, repr(calls))
    c.check(all("\u2026" not in t for b in boxes for t in b), "article page: no box label is cut",
            repr([b for b in boxes if any("\u2026" in t for t in b)][:3]))
    c.check(["g2 child"] == sorted({b[0] for b in boxes if b[0].startswith("g2")}),
            "article page: the child's boxes say 'g2 child' whole", repr(sorted({b[0] for b in boxes})))
    clones = re.findall(r"new thread m(\d+) \(tid \d+, \S+\), cloned from m(\d+)", story)
    c.equal([(g.get("data-m"), g.get("data-from")) for g in find(svg, SVG + "g", "newm")], clones,
            "article page: one arrow per new thread of the story")
    # Runtime-only clones (sysmon, the idle pool) made one after another from one thread are one
    # column, an arrow each, not a column each: they are not the program's doing.
    roles = {g.get("data-m"): g.get("data-role") for g in find(svg, SVG + "g", "lane")}
    xs = [int(g.find(SVG + "line").get("x1")) for g in find(svg, SVG + "g", "newm")
          if roles.get(g.get("data-m")) in ("sysmon", "pool")]
    c.check(len(xs) >= 3 and len(set(xs)) == 1, "article page: its runtime-only clones share one column", repr(xs))
    verdicts = re.findall(r"^  ([a-z-]+): ", story.split("Verdicts (")[-1].split("Threads at the end")[0], re.M)
    c.equal([g.get("data-kind") for g in find(svg, SVG + "g", "verdict")], verdicts,
            "article page: the story's verdicts, by name")
    for v in ("poisoned-main", "poisoned-thread", "lost-inheritance", "stale-belief"):
        c.check(v in text_of(sections[0]), "article page: shows %s" % v)
    # Issue 13.13: namespace ids as the kernel prints them (/proc, lsns), in the page too.
    raw = open(page, encoding="utf-8").read()
    c.check("NS(" not in raw and re.search(r"net:\[[0-9]+\] origin", text_of(sections[0])),
            "article page: namespaces read net:[inode] (as /proc and lsns print them), never NS(dev:ino)",
            repr(re.findall(r"NS\([^)]*\)", raw)[:3]))


def check_runs_page(c):
    """Several scenarios under every policy into one page, against --format json and --events."""
    hostile = hostile_scenario(c)
    page = os.path.join(c.tmp, "runs.html")
    events = os.path.join(c.tmp, "events.jsonl")
    p = c.run(["run", "scenarios/article/article-poisoned-main.json", hostile,
               "scenarios/go-issues/locked-exit-wedges-m0.json", "--policy", "all",
               "--format", "json", "--events", events, "--html", page])
    if not c.check(p.returncode in (0, 1), "nsleak run ... --html exits 0 or 1", "exit %d\n%s" % (
            p.returncode, p.stderr.decode("utf-8", "replace"))):
        return
    reports = json_documents(p.stdout)
    streams = split_runs(events)
    c.equal(len(streams), len(reports), "one event stream per JSON report")
    if not xml_ok(c, page, "runs page"):
        return
    raw = open(page, "rb").read()
    root = parse(c, page, "runs page")
    if root is None:
        return
    check_self_contained(c, raw, "runs page")
    check_ids_unique(c, root, "runs page")
    sections = find(root, XHTML + "section", "run")
    c.equal(len(sections), len(reports), "runs page: one section per run (%d)" % len(reports))
    c.equal(len(root.find(".//" + XHTML + "nav").findall(".//" + XHTML + "a")), len(reports),
            "runs page: a contents entry per run")
    for section, report, evs in zip(sections, reports, streams):
        check_run(c, section, report, evs, "%s [%s]" % (report["scenario"], report["policy"]))

    # Issue 13.6: --policy all sets one scenario's runs side by side, with an op-by-op table.
    blocks = find(root, XHTML + "div", "compare")
    c.equal(len(blocks), 3, "runs page: one side-by-side block per scenario file run under every policy")
    by_seq = {id(s): (r, e) for s, r, e in zip(sections, reports, streams)}
    for b in blocks:
        inside = find(b, XHTML + "section", "run")
        rs = [by_seq[id(s)][0] for s in inside]
        c.check(len(inside) == int(b.get("data-runs")) > 1 and len({r["scenario"] for r in rs}) == 1 and
                len({r["policy"] for r in rs}) == len(rs),
                "%s: its runs (one per policy) are in one block" % b.get("data-scenario"), repr([r["policy"] for r in rs]))
        table = next(iter(find(b, XHTML + "table", "compare-ops")), None)
        if not c.check(table is not None, "%s: an op-by-op table across the policies" % b.get("data-scenario")):
            continue
        heads = [text_of(th) for th in table.find(XHTML + "thead").iter(XHTML + "th")]
        c.equal(heads[2:], [r["policy"] for r in rs], "%s: a table column per policy, in run order"
                % b.get("data-scenario"))
        rows = list(table.find(XHTML + "tbody"))
        ops = max(len([e for e in by_seq[id(s)][1] if e.get("ev") == "op"]) for s in inside)
        c.check(len(rows) >= ops and all(len(list(tr)) == len(heads) for tr in rows),
                "%s: a row per op (%d rows, the longest run has %d ops), a cell per policy"
                % (b.get("data-scenario"), len(rows), ops))

    # The hostile description: escaped in the bytes, and the same text once parsed.
    c.check(b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;double&quot; &apos;single&apos;" in raw,
            "hostile description: <, >, &, \" and ' are escaped")
    shown = [text_of(d) for d in find(root, XHTML + "p", "description") if "Hostile" in text_of(d)]
    c.check(shown and all(s == HOSTILE_SHOWN for s in shown),
            "hostile description: reads back as the scenario's text (controls shown as \\uXXXX)",
            "got:  %r\nwant: %r" % (shown[:1], HOSTILE_SHOWN))
    uts = [s for s, r in zip(sections, reports) if "Hostile" in r["description"]]
    c.check(uts and all(find(s, SVG + "text", "stripe-label") for s in uts),
            "uts runs: a net and a uts stripe per lane")


def check_ipc_kind(c):
    """A kind beyond net and uts is drawn as they are: the page iterates the run's observed kinds."""
    page = os.path.join(c.tmp, "ipc.html")
    p = c.run(["run", "scenarios/ipc/ipc-article-poisoned-main.json", "--format", "json", "--html", page])
    if not c.check(p.returncode in (0, 1), "ipc run --html exits 0 or 1", "exit %d\n%s" % (
            p.returncode, p.stderr.decode("utf-8", "replace"))):
        return
    report = json_documents(p.stdout)[0]
    if not xml_ok(c, page, "ipc page"):
        return
    root = parse(c, page, "ipc page")
    if root is None:
        return
    section = find(root, XHTML + "section", "run")[0]
    kinds = [k for k in ("net", "uts", "ipc") if k in report["origins"]] if "origins" in report else None
    lane = list(lane_heads(section).values())[0]
    stripes = [text_of(t) for t in lane.iter(SVG + "text") if "stripe-label" in classes(t)]
    c.check("ipc" in stripes and stripes[0] == "net", "ipc page: each lane has an ipc stripe, net first",
            repr(stripes))
    if kinds is not None:
        c.equal(stripes, kinds, "ipc page: one stripe per observed kind, in table order")
    heads = [text_of(th) for th in section.find(".//" + XHTML + "table").iter(XHTML + "th")]
    c.check("ipc" in heads and heads.index("net") < heads.index("ipc"),
            "ipc page: the thread table has an ipc column after net", repr(heads))
    legend_kinds = {k.get("data-kind") for k in find(section, XHTML + "span", "key")}
    c.check("ipc" in legend_kinds, "ipc page: the legend has ipc namespaces", repr(sorted(legend_kinds)))
    ipc_cells = [len(list(tr.iter(XHTML + "td"))) for tr in section.find(".//" + XHTML + "tbody")]
    c.check(ipc_cells and all(n == len(heads) for n in ipc_cells), "ipc page: every thread row fills every column",
            repr(ipc_cells))


def check_bad_use(c):
    p = c.run(["run", "scenarios/article/article-poisoned-main.json", "--html",
               os.path.join(c.tmp, "no-such-dir", "x.html")])
    c.check(p.returncode == 2 and b"cannot write" in p.stderr, "an unwritable --html path exits 2 and says so",
            "exit %d, stderr %r" % (p.returncode, p.stderr[-300:]))
    p = c.run(["--html", os.path.join(c.tmp, "x.html"), "run", "scenarios/article/article-poisoned-main.json"])
    c.check(p.returncode == 2 and not os.path.exists(os.path.join(c.tmp, "x.html")),
            "--html before a subcommand exits 2 instead of being ignored", "exit %d" % p.returncode)


def check_replay_flip(c):
    """replay --html marks the flip point explore named, and draws the run without it."""
    f = "scenarios/go-issues/clone-from-dirty-locked-thread.json"
    p = c.run(["explore", f, "--policy", "go1.9", "--strategy", "exhaustive:1", "--budget", "60", "-j", "1",
               "--format", "json"])
    if not c.check(p.returncode in (0, 1), "explore for a flip point exits 0 or 1", "exit %d\n%s" % (
            p.returncode, p.stderr.decode("utf-8", "replace")[-2000:])):
        return
    classes = [k for k in json.loads(p.stdout)["classes"] if "flip" in k]
    if not c.check(classes, "explore under go1.9 finds a class with a flip point"):
        return
    k = classes[0]
    page = os.path.join(c.tmp, "flip.html")
    p = c.run(["replay", f, "--policy", "go1.9", k["shrunk"], "--html", page, "--format", "json"])
    if not c.check(p.returncode in (0, 1) and xml_ok(c, page, "flip page"), "replay --html writes the page",
                   "exit %d\n%s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-2000:])):
        return
    root = parse(c, page, "flip page")
    if root is None:
        return
    sections = find(root, XHTML + "section", "run")
    if not c.equal(len(sections), 2, "flip page: the token's run and the run without its flip decision"):
        return
    notes = [text_of(n) for n in find(sections[0], XHTML + "p", "mark-note")]
    c.check(len(notes) == 1 and notes[0].startswith("flip point") and k["flip"]["sentence"] in notes[0],
            "flip page: the flip point is explained with explore's own sentence", repr(notes) + "\n" + k["flip"]["sentence"])
    marks = find(lanes_svg(sections[0]), SVG + "g", "mark")
    c.check(len(marks) == 1 and int(marks[0].get("data-m")) in lane_heads(sections[0]) and
            find(marks[0], SVG + "rect", "flip-lane"),
            "flip page: one mark on the timeline, at the lane of the thread that decided",
            repr([(m.get("data-seq"), m.get("data-m")) for m in marks]))
    later = [text_of(n) for n in find(sections[1], XHTML + "p", "mark-note")]
    c.check(len(later) == 1 and k["flip"]["without"] in later[0],
            "flip page: the run without the decision shows what the flip point says it would",
            repr(later) + "\n" + k["flip"]["without"])
    plain = os.path.join(c.tmp, "go-order.html")
    p = c.run(["replay", f, "--policy", "go1.9", "", "--html", plain])
    root = parse(c, plain, "go-order replay page") if p.returncode in (0, 1) else None
    c.check(root is not None and len(find(root, XHTML + "section", "run")) == 1 and
            not find(root, SVG + "g", "mark"), "a go-order token draws one run and no flip point",
            "exit %d" % p.returncode)


def check_xmllint_rejects(c):
    """The well-formedness check can fail: a page with an unclosed tag is rejected."""
    bad = os.path.join(c.tmp, "malformed.html")
    with open(bad, "w") as f:
        f.write("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>x<b>y</p></body></html>\n")
    p = subprocess.run([XMLLINT, "--noout", bad], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    c.check(p.returncode != 0, "xmllint --noout rejects a malformed page (the check has teeth)")


def main():
    c = Checks("html")
    probe = c.run([])
    if probe.returncode == ENVIRONMENT:
        c.skip("this environment cannot run namespaces: " + probe.stderr.decode("utf-8", "replace").strip())
    check_xmllint_rejects(c)
    check_default_run(c)
    check_runs_page(c)
    check_ipc_kind(c)
    check_bad_use(c)
    check_replay_flip(c)
    c.finish()


if __name__ == "__main__":
    main()
