#!/usr/bin/python3
"""The timeline page in a real browser (headless Chromium, Debian's `chromium` package):

  - the article's page (`nsleak --html FILE`) has no horizontal overflow in a 1400-px window:
    neither the document nor any timeline scrolls sideways, so the climax (unlock, V2-V4) is on
    screen; a deliberately wide page is caught by the same measurement (the check has teeth);
  - a 2,000-goroutine run (generated here with `repeat`) gives a page of at most 2 MB whose
    timeline accounts for every op, drawn or collapsed.

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
  var t = document.querySelectorAll('.timeline'), w = [];
  for (var i = 0; i < t.length; i++) w.push([t[i].scrollWidth, t[i].clientWidth]);
  var p = document.createElement('pre');
  p.id = 'nsleak-measure';
  p.textContent = JSON.stringify({doc: document.documentElement.scrollWidth, inner: innerWidth, timelines: w});
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


def many_goroutines(c, n):
    path = os.path.join(c.tmp, "many-goroutines.json")
    sc = {
        "name": "many-goroutines",
        "description": "Main poisons its thread, then starts %d workers that each read their namespace." % n,
        "procs": 4,
        "main": [
            {"op": "get", "ns": "net", "as": "mainNs"},
            {"op": "lock"},
            {"op": "unshare", "ns": "net", "as": "newNs"},
            {"op": "unlock"},
            {"op": "wg_add", "wg": "w", "n": n},
            {"op": "repeat", "times": n, "body": [{"op": "go", "fn": "worker"}]},
            {"op": "wg_wait", "wg": "w"},
        ],
        "functions": {"worker": [{"op": "get", "ns": "net", "as": "workerNs"}, {"op": "wg_done", "wg": "w"}]},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, indent=1)
    return path


def check_many_goroutines(c, browser):
    n = 2000
    page = os.path.join(c.tmp, "many.html")
    events = os.path.join(c.tmp, "many.jsonl")
    p = c.run(["run", many_goroutines(c, n), "--events", events, "--html", page])
    if not c.check(p.returncode in (0, 1), "the %d-goroutine run exits 0 or 1" % n, p.stderr[-500:]):
        return
    size = os.path.getsize(page)
    c.check(size <= MAX_BYTES, "the %d-goroutine page is at most 2 MB (%d bytes)" % (n, size))
    ops = [json.loads(line) for line in open(events, encoding="utf-8")]
    ops = [e for e in ops if e.get("ev") == "op"]
    c.check(len(ops) >= 3 * n, "the run has an op per worker step (%d ops)" % len(ops))
    root = ET.parse(page).getroot()
    svg = next(e for e in root.iter(SVG + "svg") if "lanes" in e.get("class", "").split())
    drawn = [g for g in svg.iter(SVG + "g") if "op" in g.get("class", "").split()]
    folded = [g for g in svg.iter(SVG + "g") if "collapsed" in g.get("class", "").split()]
    total = len(drawn) + sum(int(g.get("data-ops")) for g in folded)
    c.equal(total, len(ops), "every op is drawn or counted in a collapsed group")
    c.check(folded, "idle goroutines' steps are collapsed (%d groups)" % len(folded))
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
    check_many_goroutines(c, browser)
    c.finish()


if __name__ == "__main__":
    main()
