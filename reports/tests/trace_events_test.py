#!/usr/bin/python3
"""--trace-events F (nsleak run, and nsleak with no subcommand): Chrome Trace Event Format JSON
that Perfetto UI and chrome://tracing open, checked for structure and against --events and the
JSON report of the same runs:

  - {"traceEvents": [...]} with known phases, integer pid/tid, ts/dur in µs, M metadata naming
    a process per run and a track per thread of the report;
  - one X slice per op event, named by its Go call, with the namespace it ran in as category;
    slices on one track never partly overlap (viewers need them nested or disjoint);
  - a flow (s then f, same id) from each `go` to the child's first op, and from each clone's
    source thread to the new one;
  - bad use exits 2: an unwritable path, --trace-events before a subcommand.

Skips (77) when this machine cannot run namespaces.
"""

import collections
import json
import os

from nsleak_testlib import Checks, json_documents

ENVIRONMENT = 3
PHASES = {"X", "M", "s", "f", "i"}


def load_events(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def split_runs(evs):
    runs = []
    for ev in evs:
        if ev.get("ev") == "sandbox" or not runs:
            runs.append([])
        runs[-1].append(ev)
    return runs


def check_structure(c, doc, what):
    if not c.check(isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list),
                   "%s: an object with a traceEvents array" % what):
        return []
    evs = doc["traceEvents"]
    bad = [e for e in evs if e.get("ph") not in PHASES or not isinstance(e.get("pid"), int) or
           (e["ph"] != "M" and not (isinstance(e.get("tid"), int) and isinstance(e.get("ts"), int) and e["ts"] >= 0))]
    c.check(not bad, "%s: every event has a known phase, an integer pid, and tid/ts unless metadata" % what,
            repr(bad[:3]))
    xs = [e for e in evs if e.get("ph") == "X"]
    c.check(all(isinstance(e.get("dur"), int) and e["dur"] >= 0 and isinstance(e.get("name"), str) and
                isinstance(e.get("cat"), str) for e in xs), "%s: every slice has a name, a category, a dur >= 0" % what)
    tracks = collections.defaultdict(list)
    for e in xs:
        tracks[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
    partial = []
    for k, spans in tracks.items():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            if b0 < a1 and b1 > a1:
                partial.append((k, (a0, a1), (b0, b1)))
    c.check(not partial, "%s: slices on one track are nested or disjoint" % what, repr(partial[:3]))
    flows = collections.defaultdict(list)
    for e in evs:
        if e.get("ph") in ("s", "f"):
            flows[(e["cat"], e["id"])].append(e)
    c.check(flows and all([x["ph"] for x in v] == ["s", "f"] or sorted(x["ph"] for x in v) == ["f", "s"]
                          for v in flows.values()), "%s: every flow is one start and one finish" % what)
    return evs


def check_run(c, evs, pid, report, stream, what):
    mine = [e for e in evs if e["pid"] == pid]
    names = {e["tid"]: e["args"]["name"] for e in mine if e["ph"] == "M" and e["name"] == "thread_name"}
    c.equal(names, {t["m"]: "m%d tid %d (%s)" % (t["m"], t["tid"], t["role"]) for t in report["threads"]},
            "%s: a named track per thread of the run" % what)
    procs = [e["args"]["name"] for e in mine if e["ph"] == "M" and e["name"] == "process_name"]
    c.equal(procs, ["%s [%s]" % (report["scenario"], report["policy"])], "%s: a process named for the run" % what)
    ops = [e for e in stream if e.get("ev") == "op"]
    slices = [e for e in mine if e["ph"] == "X" and e["cat"] not in ("clone",)]
    c.equal([(s["tid"], s["ts"], s["args"]["g"]) for s in slices], [(o["m"], o["us"], o["g"]) for o in ops],
            "%s: one slice per op, on its thread, at its time" % what)
    cats = [s["cat"] for s in slices]
    c.check(all(any(part.startswith(k + ":") for part in cat.split(",")) for cat, o in zip(cats, ops)
                for k in o["ns"]), "%s: each op slice's category names the namespace of every observed kind" % what,
            repr(cats[:4]))
    first = {}
    for o in ops:
        first.setdefault(o["g"], o)
    want_go = [(o["m"], first[o["child"]]["m"]) for o in ops if o["op"] == "go" and o["child"] in first]
    got = collections.defaultdict(dict)
    for e in mine:
        if e["ph"] in ("s", "f"):
            got[(e["cat"], e["id"])][e["ph"]] = e
    go = sorted((v["s"]["ts"], v["s"]["tid"], v["f"]["tid"]) for (cat, _), v in got.items() if cat == "go")
    c.equal([(a, b) for _, a, b in go], want_go, "%s: a flow from each go to the child's first op" % what)
    clones = sorted((v["s"]["ts"], v["s"]["tid"], v["f"]["tid"]) for (cat, _), v in got.items() if cat == "clone")
    c.equal([(a, b) for _, a, b in clones], [(e["from_m"], e["m"]) for e in stream if e.get("ev") == "newm"],
            "%s: a flow per clone, from its source thread to the new one" % what)
    return slices


def main():
    c = Checks("trace-events")
    probe = c.run([])
    if probe.returncode == ENVIRONMENT:
        c.skip("this environment cannot run namespaces: " + probe.stderr.decode("utf-8", "replace").strip())

    out = os.path.join(c.tmp, "runs.trace.json")
    events = os.path.join(c.tmp, "events.jsonl")
    p = c.run(["run", "scenarios/article/article-poisoned-main.json", "scenarios/ipc/ipc-article-poisoned-main.json",
               "--policy", "all", "--format", "json", "--events", events, "--trace-events", out])
    if c.check(p.returncode in (0, 1), "nsleak run ... --trace-events exits 0 or 1", p.stderr[-500:]):
        reports = json_documents(p.stdout)
        streams = split_runs(load_events(events))
        evs = check_structure(c, json.load(open(out, encoding="utf-8")), "runs")
        pids = sorted({e["pid"] for e in evs})
        c.equal(pids, list(range(1, len(reports) + 1)), "runs: a process per run")
        calls = set()
        for i, (report, stream) in enumerate(zip(reports, streams)):
            slices = check_run(c, evs, i + 1, report, stream, "%s [%s]" % (report["scenario"], report["policy"]))
            calls |= {s["name"] for s in slices}
        for call in ("netns.Get()", "runtime.LockOSThread()", "netns.New()", "runtime.UnlockOSThread()", "go child()"):
            c.check(call in calls, "slices are named by the Go call: %s" % call, repr(sorted(calls)))
        c.check(any("ipc:" in e.get("cat", "") for e in evs if e.get("ph") == "X"),
                "the ipc run's slices have the ipc namespace in their category")

    out = os.path.join(c.tmp, "article.trace.json")
    p = c.run(["--trace-events", out])
    if c.equal(p.returncode, 0, "nsleak --trace-events FILE exits 0 (the article)"):
        check_structure(c, json.load(open(out, encoding="utf-8")), "article")

    p = c.run(["run", "scenarios/article/article-poisoned-main.json", "--trace-events",
               os.path.join(c.tmp, "no-such-dir", "x.json")])
    c.check(p.returncode == 2 and b"cannot write" in p.stderr, "an unwritable --trace-events path exits 2")
    p = c.run(["--trace-events", os.path.join(c.tmp, "y.json"), "run", "scenarios/article/article-poisoned-main.json"])
    c.check(p.returncode == 2 and not os.path.exists(os.path.join(c.tmp, "y.json")),
            "--trace-events before a subcommand exits 2")
    c.finish()


if __name__ == "__main__":
    main()
