#!/usr/bin/python3
"""The timeline page in a real browser (headless Chromium, Debian's `chromium` package):

  - the article's page (`nsleak --html FILE`) has no horizontal overflow in a 1400-px window:
    neither the document nor any timeline scrolls sideways, so the climax (unlock, V2-V4) is on
    screen; a deliberately wide page is caught by the same measurement (the check has teeth);
  - a run long enough to scroll sideways keeps its lane labels in view when its timeline is
    scrolled to the end (position:sticky); the same page without the sticky rule loses them;
    its "fit the whole run to the window" checkbox (CSS :checked, no script) zooms it out so
    nothing scrolls, the lanes as tall as before;
  - `--policy all` sets the runs of one scenario side by side: in the 1400-px window the runs'
    sections start at one height, left to right, and their timelines start at one height too
    (aligned, not stacked), and the document does not overflow;
  - a 2,000-goroutine run (generated here with `repeat`) gives a page of at most 2 MB whose
    timeline accounts for every op, drawn or collapsed, and still draws the worker that saw the
    leaked namespace; 2,000 readers of the library's netns-new-without-lock, a thousand of them
    failing their check on the dirty thread, fit the window: one red box, the rest counted in
    red folds.

The measurement is a tiny script added to a copy of the page (the page itself holds none) that
writes the widths into the DOM, read back with --dump-dom. Skips (77), counted and explained,
when chromium is not installed (ci/setup installs it when it can) or this machine cannot run
namespaces.
"""

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

from nsleak_testlib import Checks

ENVIRONMENT = 3
WINDOW = 1400
MAX_BYTES = 2 * 1024 * 1024
SVG = "{http://www.w3.org/2000/svg}"

MEASURE = """<script>
addEventListener('load', function () {
  function rect(e) { var r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY]; }
  var t = document.querySelectorAll('.timeline'), w = [], sticky = [], beside = [], fit = [];
  for (var i = 0; i < t.length; i++) w.push([t[i].scrollWidth, t[i].clientWidth]);
  // Scrolled to its end, where is the label column (left edges, relative to the timeline's)?
  for (var i = 0; i < t.length; i++) {
    if (t[i].scrollWidth <= t[i].clientWidth) continue;
    t[i].scrollLeft = t[i].scrollWidth;
    var h = t[i].querySelector('svg.lane-heads');
    sticky.push([t[i].scrollLeft, h ? h.getBoundingClientRect().left - t[i].getBoundingClientRect().left : null]);
    t[i].scrollLeft = 0;
    // Its "fit the whole run" checkbox: checked, nothing scrolls, the lanes keep their height.
    var f = t[i].parentNode.querySelector('.fit-toggle'), l = t[i].querySelector('svg.lanes');
    if (!f || !l) { fit.push(null); continue; }
    var before = l.getBoundingClientRect().height;
    f.checked = true;
    fit.push([t[i].scrollWidth, t[i].clientWidth, before, l.getBoundingClientRect().height]);
    f.checked = false;
  }
  var b = document.querySelectorAll('.compare');
  for (var i = 0; i < b.length; i++) {
    var runs = [], s = b[i].querySelectorAll('section.run');
    for (var k = 0; k < s.length; k++) {
      var tl = s[k].querySelector('.timeline');
      runs.push(rect(s[k]).concat(tl ? [rect(tl)[1]] : [null]));
    }
    beside.push(runs);
  }
  var p = document.createElement('pre');
  p.id = 'nsleak-measure';
  p.textContent = JSON.stringify({doc: document.documentElement.scrollWidth, inner: innerWidth, timelines: w,
                                  sticky: sticky, beside: beside, fit: fit});
  document.body.appendChild(p);
});
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def measure(c, browser, page):
    """The page's widths at WINDOW px: {doc, inner, timelines: [[scrollWidth, clientWidth]...]}."""
    probe = os.path.join(c.tmp, os.path.basename(page) + ".measure.html")
    with open(page, encoding="utf-8") as f:
        html = f.read()
    with open(probe, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", MEASURE + "</body>"))
    p = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                        "--window-size=%d,900" % WINDOW, "--virtual-time-budget=5000", "--dump-dom",
                        "file://" + probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    m = re.search(r'<pre id="nsleak-measure">(.*?)</pre>', p.stdout.decode("utf-8", "replace"))
    if not c.check(m is not None, "%s: chromium renders it and the measurement comes back" % os.path.basename(page),
                   p.stderr.decode("utf-8", "replace")[-1500:]):
        return None
    return json.loads(m.group(1).replace("&quot;", '"'))


def fits(widths):
    return widths["doc"] <= widths["inner"] and all(s <= cw for s, cw in widths["timelines"])


def check_article_fits(c, browser):
    page = os.path.join(c.tmp, "article.html")
    p = c.run(["--html", page])
    if not c.equal(p.returncode, 0, "nsleak --html FILE exits 0"):
        return
    w = measure(c, browser, page)
    if w is None:
        return
    c.equal(w["inner"], WINDOW, "the window is %d px wide" % WINDOW)
    c.check(w["timelines"] and fits(w), "article page: no horizontal overflow at %d px (document or timeline)"
            % WINDOW, repr(w))

    # Teeth: the same measurement on a page made too wide is caught.
    wide = os.path.join(c.tmp, "wide.html")
    with open(page, encoding="utf-8") as f:
        html = f.read()
    with open(wide, "w", encoding="utf-8") as f:
        f.write(html.replace("<body>", '<body><div style="width:3000px">wide</div>', 1))
    w = measure(c, browser, wide)
    c.check(w is not None and not fits(w), "a page wider than the window is reported as overflowing", repr(w))


def write_scenario(c, sc):
    path = os.path.join(c.tmp, sc["name"] + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, indent=1)
    return path


def workers(name, n, procs):
    """Main leaves its thread in a new namespace, unlocked, then starts n workers that wait for a
    start signal; those that then run on m0 see the new namespace."""
    return {
        "name": name,
        "description": "Main leaves its thread in a new namespace, unlocked, then starts %d workers; they "
                       "wait for a start signal, and any that runs on m0 sees the new namespace." % n,
        "procs": procs,
        "main": [
            {"op": "get", "ns": "net", "as": "mainNs"},
            {"op": "lock"},
            {"op": "unshare", "ns": "net", "as": "newNs"},
            {"op": "unlock"},
            {"op": "wg_add", "wg": "w", "n": n},
            {"op": "repeat", "times": n, "body": [{"op": "go", "fn": "worker"}]},
            {"op": "close", "chan": "start"},
            {"op": "wg_wait", "wg": "w"},
        ],
        "functions": {"worker": [{"op": "recv", "chan": "start"}, {"op": "get", "ns": "net", "as": "workerNs"},
                                 {"op": "wg_done", "wg": "w"}]},
    }


def check_sticky_labels(c, browser):
    """A run too long to fit (but not folded): its timeline scrolls, its lane labels stay."""
    page = os.path.join(c.tmp, "long.html")
    p = c.run(["run", write_scenario(c, workers("long-run", 30, 2)), "--html", page])
    if not c.check(p.returncode in (0, 1), "the 30-worker run exits 0 or 1", p.stderr[-500:]):
        return
    w = measure(c, browser, page)
    if w is None:
        return
    c.check(w["doc"] <= w["inner"], "long page: the document does not overflow (only its timeline scrolls)", repr(w))
    c.check(len(w["sticky"]) == 1 and w["sticky"][0][0] > 500,
            "long page: the timeline scrolls sideways (by %r px)" % (w["sticky"][:1],), repr(w))
    c.check(w["sticky"] and all(off is not None and 0 <= off <= 2 for _, off in w["sticky"]),
            "long page: scrolled to its end, the lane labels are still at the timeline's left edge", repr(w["sticky"]))
    c.check(w["fit"] and all(f is not None and f[0] <= f[1] and f[2] == f[3] for f in w["fit"]),
            "long page: its 'fit the whole run' checkbox (CSS only) fits the timeline to the window, lanes as tall",
            repr(w["fit"]))
    # Teeth: without the sticky rule the labels scroll away with the lanes.
    loose = os.path.join(c.tmp, "loose.html")
    with open(page, encoding="utf-8") as f:
        html = f.read()
    with open(loose, "w", encoding="utf-8") as f:
        f.write(html.replace("position:sticky", "position:static"))
    w = measure(c, browser, loose)
    c.check(w is not None and w["sticky"] and all(off is None or off < -100 for _, off in w["sticky"]),
            "without position:sticky the same measurement sees the labels scrolled away", repr(w and w["sticky"]))


def check_side_by_side(c, browser):
    """--policy all on a scenario that names no policy: every preset, side by side."""
    page = os.path.join(c.tmp, "all.html")
    p = c.run(["run", write_scenario(c, workers("compare-policies", 3, 2)), "--policy", "all", "--html", page])
    if not c.check(p.returncode in (0, 1), "--policy all exits 0 or 1", p.stderr[-500:]):
        return
    w = measure(c, browser, page)
    if w is None:
        return
    c.check(w["doc"] <= w["inner"], "--policy all page: no horizontal overflow at %d px" % WINDOW, repr(w["doc"]))
    if not c.equal(len(w["beside"]), 1, "--policy all page: one side-by-side block"):
        return
    runs = w["beside"][0]
    c.check(len(runs) >= 3, "--policy all page: every preset ran (%d runs)" % len(runs))
    row = [r for r in runs if abs(r[1] - runs[0][1]) < 1]
    c.check(len(row) == 3 and all(a[0] < b[0] for a, b in zip(row, row[1:])),
            "--policy all page: the first row holds 3 runs, left to right at one height", repr(runs))
    c.check(all(r[2] is not None and abs(r[2] - row[0][2]) < 1 for r in row),
            "--policy all page: their timelines start at one height (aligned block by block)", repr(row))
    rows = sorted({round(r[1]) for r in runs})
    c.check(len(rows) == (len(runs) + 2) // 3, "--policy all page: %d runs in %d rows of up to 3, not one stack"
            % (len(runs), len(rows)), repr(rows))


def readers(c, n):
    """The library's netns-new-without-lock with n readers: about half run on the dirty thread
    and fail their check, so the fold must keep (and count) a thousand telling ops."""
    with open(c.path("scenarios", "libraries", "netns-new-without-lock.json"), encoding="utf-8") as f:
        sc = json.loads("".join(line for line in f if not line.lstrip().startswith("//")))
    sc["name"] = "many-readers"
    sc.pop("expect", None)
    sc["main"] = [dict(o, n=n + 1) if o["op"] == "wg_add" else dict(o, times=n) if o["op"] == "repeat" else o
                  for o in sc["main"]]
    return sc


def check_many_readers(c, browser):
    """2,000 readers meet one dirty thread: a thousand failed checks fold into marked groups, and
    the timeline fits the window."""
    n = 2000
    page = os.path.join(c.tmp, "readers.html")
    events = os.path.join(c.tmp, "readers.jsonl")
    p = c.run(["run", write_scenario(c, readers(c, n)), "--events", events, "--html", page])
    if not c.check(p.returncode in (0, 1), "the %d-reader run exits 0 or 1" % n, p.stderr[-500:]):
        return
    size = os.path.getsize(page)
    print("note: the %d-reader page is %d bytes" % (n, size))
    c.check(size <= MAX_BYTES, "the %d-reader page is at most 2 MB (%d bytes)" % (n, size))
    ops = [e for e in map(json.loads, open(events, encoding="utf-8")) if e.get("ev") == "op"]
    failed = [e for e in ops if e.get("op") == "expect" and not e.get("match")]
    c.check(len(failed) > 100, "hundreds of readers fail their check on the dirty thread (%d)" % len(failed))
    root = ET.parse(page).getroot()
    svg = next(e for e in root.iter(SVG + "svg") if "lanes" in e.get("class", "").split())
    drawn = [g for g in svg.iter(SVG + "g") if "op" in g.get("class", "").split()]
    folded = [g for g in svg.iter(SVG + "g") if "collapsed" in g.get("class", "").split()]
    c.equal(len(drawn) + sum(int(g.get("data-ops")) for g in folded), len(ops),
            "every op is drawn or counted in a collapsed group")
    red = sum(1 for g in drawn for r in g.iter(SVG + "rect") if "surprised" in r.get("class", "").split())
    marked = red + sum(int(g.get("data-surprised")) for g in folded)
    c.check(red >= 1 and marked >= len(failed), "each failed check is drawn red or counted in a red fold "
            "(%d drawn, %d counted, %d failed)" % (red, marked - red, len(failed)))
    c.check(int(svg.get("width")) <= WINDOW, "the %d-reader timeline fits the window (%s px wide)"
            % (n, svg.get("width")))
    if browser is not None:
        w = measure(c, browser, page)
        c.check(w is not None and fits(w), "the %d-reader page: no horizontal overflow at %d px" % (n, WINDOW),
                repr(w))


def check_many_goroutines(c, browser):
    n = 2000
    page = os.path.join(c.tmp, "many.html")
    events = os.path.join(c.tmp, "many.jsonl")
    p = c.run(["run", write_scenario(c, workers("many-goroutines", n, 2)), "--events", events, "--format", "json",
               "--html", page])
    if not c.check(p.returncode in (0, 1), "the %d-goroutine run exits 0 or 1" % n, p.stderr[-500:]):
        return
    report = json.loads(p.stdout)
    size = os.path.getsize(page)
    print("note: the %d-goroutine page is %d bytes" % (n, size))
    c.check(size <= MAX_BYTES, "the %d-goroutine page is at most 2 MB (%d bytes)" % (n, size))
    ops = [json.loads(line) for line in open(events, encoding="utf-8")]
    ops = [e for e in ops if e.get("ev") == "op"]
    c.check(len(ops) >= 4 * n, "the run has an op per worker step (%d ops)" % len(ops))
    root = ET.parse(page).getroot()
    svg = next(e for e in root.iter(SVG + "svg") if "lanes" in e.get("class", "").split())
    drawn = [g for g in svg.iter(SVG + "g") if "op" in g.get("class", "").split()]
    folded = [g for g in svg.iter(SVG + "g") if "collapsed" in g.get("class", "").split()]
    total = len(drawn) + sum(int(g.get("data-ops")) for g in folded)
    c.equal(total, len(ops), "every op is drawn or counted in a collapsed group")
    c.check(folded, "idle goroutines' steps are collapsed (%d groups)" % len(folded))
    c.check(len(drawn) < 100, "the timeline draws the telling ops only (%d boxes)" % len(drawn))
    stale = [v for v in report["verdicts"] if v["kind"] == "stale-belief"]
    seen = {(int(g.get("data-g")), int(g.get("data-m"))) for g in drawn}
    c.check(all((v["g"], v["m"]) in seen for v in stale),
            "each worker that saw the leaked namespace keeps its box (%d stale-belief)" % len(stale),
            repr([(v["g"], v["m"]) for v in stale][:5]))
    if browser is not None:
        w = measure(c, browser, page)
        c.check(w is not None and w["doc"] <= w["inner"], "the %d-goroutine page: the document does not overflow "
                "(the timeline may scroll, its lane labels stay)" % n, repr(w))


def main():
    c = Checks("html-browser")
    probe = c.run([])
    if probe.returncode == ENVIRONMENT:
        c.skip("this environment cannot run namespaces: " + probe.stderr.decode("utf-8", "replace").strip())
    browser = chromium()
    if browser is None:
        c.skip("chromium is not installed (apt-get install chromium; ci/setup installs it when it can): "
               "the page's width at 1400 px cannot be measured")
    check_article_fits(c, browser)
    check_sticky_labels(c, browser)
    check_side_by_side(c, browser)
    check_many_goroutines(c, browser)
    check_many_readers(c, browser)
    c.finish()


if __name__ == "__main__":
    main()
