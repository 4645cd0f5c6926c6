#!/usr/bin/env python3
"""`nsleak observe --html F`: the timeline page of a real program, from kernel facts alone, written
by the real binary beside its --format json report of the same run, and checked against it:

  - the page is well-formed XML and holds one run section;
  - one lane per thread the report lists, labelled by its tid (no M, no runtime role);
  - one box per notified call of a thread the report placed, on its caller's lane, saying the
    call as strace prints it (the report's "text");
  - one clone arrow per thread but the program's main thread; one marker per verdict, of its kind;
  - `unshare -n /bin/true`: the unshare's box is filled with another namespace than origin, and
    the main thread's lane changes colour (a stripe in a second namespace); the one-thread
    process moved as a whole, so no verdict;
  - fixtures/observe/threads.py main-dirty: the main thread unshares while a second thread
    lives on in origin: poisoned-main, pinned, about the net namespace;
  - `--html -` is the page on stdout (the story then on stderr); --html with --format json on
    stdout as well is exit 2.

Skips (77) when this machine cannot run namespaces (`nsleak` exits 3).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
failures = 0
# Not a shim on PATH that runs shells first (pyenv's): the observed program must be python itself.
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def check(ok, what, detail=""):
    global failures
    print(("ok - " if ok else "FAIL - ") + what + ("" if ok or not detail else "\n    " + str(detail)[:2000]))
    if not ok:
        failures += 1


def groups(root, cls):
    return [e for e in root.iter(SVG + "g") if cls in e.get("class", "").split()]


def title(e):
    t = e.find(SVG + "title")
    return "" if t is None else "".join(t.itertext())


def observed(nsleak, cmd, page):
    out = subprocess.run([nsleak, "observe", "--format", "json", "--html", page, "--"] + cmd, capture_output=True,
                         text=True, timeout=60, cwd="/")
    if out.returncode == 3:
        print("SKIPPED: this environment cannot run namespaces: " + out.stderr.strip())
        sys.exit(77)
    if out.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d\n%s%s" % (cmd, out.returncode, out.stdout, out.stderr))
    with open(page, encoding="utf-8") as f:
        return out.returncode, json.loads(out.stdout), f.read()


def check_page(name, rep, html):
    try:
        root = ET.fromstring(html)
    except ET.ParseError as e:
        check(False, name + ": the page is well-formed XML", e)
        return None
    sections = [s for s in root.iter(XHTML + "section") if "run" in s.get("class", "").split()]
    check(len(sections) == 1, name + ": one run section", len(sections))
    lanes = groups(root, "lane")
    tids = [t["tid"] for t in rep["threads"]]
    check(sorted(int(l.get("data-tid")) for l in lanes) == sorted(tids), name + ": one lane per thread", tids)
    heads = ["".join(t.itertext()) for g in groups(root, "lane-head") for t in g.iter(SVG + "text")
             if t.get("class") == "lane-label"]
    check(sorted(heads) == sorted("tid %d" % t for t in tids), name + ": lanes are labelled by tid alone", heads)
    lane_m = {int(l.get("data-tid")): l.get("data-m") for l in lanes}
    placed = [c for c in rep["syscalls"] if c["tid"] in lane_m]
    boxes = groups(root, "op")
    check(len(boxes) == len(placed), name + ": one box per notified call", "%d boxes, %d calls" % (len(boxes), len(placed)))
    for b, c in zip(boxes, placed):
        if b.get("data-m") != lane_m[c["tid"]] or not title(b).startswith("tid %d: %s" % (c["tid"], c["text"])):
            check(False, name + ": box %s is the call %s on its caller's lane" % (b.get("data-seq"), c), title(b))
            break
    else:
        check(bool(boxes), name + ": each box names its call as strace prints it, on its caller's lane")
    check(len(groups(root, "newm")) == len(tids) - 1, name + ": a clone arrow per thread but the main one",
          len(groups(root, "newm")))
    marks = sorted(g.get("data-kind") for g in groups(root, "verdict"))
    check(marks == sorted(v["kind"] for v in rep["verdicts"]), name + ": a marker per verdict, of its kind", marks)
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nsleak", required=True)
    a = ap.parse_args()
    nsleak = os.path.abspath(a.nsleak)
    out = tempfile.mkdtemp(prefix="nsleak-observe-html-")
    page = os.path.join(out, "page.html")

    rc, rep, html = observed(nsleak, ["/bin/true"], page)
    check(rc == 0 and not rep["verdicts"], "/bin/true: no verdict, exit 0", rep["verdicts"])
    root = check_page("/bin/true", rep, html)
    if root is not None:
        check(any("execve" in title(b) for b in groups(root, "op")), "/bin/true: its execve is a box")

    rc, rep, html = observed(nsleak, ["unshare", "-n", "/bin/true"], page)
    root = check_page("unshare -n /bin/true", rep, html)
    check(rc == 0 and not rep["verdicts"] and [m["state_kind"] for m in rep["process_moves"]] == ["net"],
          "unshare -n /bin/true: the whole (one-thread) process moved: no verdict, exit 0", rep["verdicts"])
    if root is not None:
        unshare = [b for b in groups(root, "op") if "unshare(CLONE_NEWNET)" in title(b)]
        origin = rep["origin"]["net"]
        check(len(unshare) == 1 and origin not in title(unshare[0]) and "net:[" in title(unshare[0]),
              "unshare -n /bin/true: the unshare's box is in the new namespace", [title(b) for b in unshare])
        fills = {r.get("fill") for l in groups(root, "lane") for r in l.iter(SVG + "rect")
                 if "stripe" in r.get("class", "").split()}
        check(len(fills) == 2, "unshare -n /bin/true: the main thread's stripe changes namespace", fills)

    threads = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../fixtures/observe/threads.py")
    rc, rep, html = observed(nsleak, [PYTHON, threads, "main-dirty"], page)
    root = check_page("threads.py main-dirty", rep, html)
    check(rc == 1 and [(v["kind"], v["state_kind"]) for v in rep["verdicts"]] == [("poisoned-main", "net")],
          "threads.py main-dirty: poisoned-main about net, exit 1", rep["verdicts"])

    std = subprocess.run([nsleak, "observe", "--html", "-", "--", "/bin/true"], capture_output=True, text=True,
                         timeout=60, cwd="/")
    check(std.returncode == 0 and std.stdout.startswith("<!DOCTYPE html>") and "PASS" in std.stderr,
          "--html -: the page on stdout, the story on stderr", std.stdout[:200] + std.stderr[-300:])
    both = subprocess.run([nsleak, "observe", "--format", "json", "--html", "-", "--", "/bin/true"],
                          capture_output=True, text=True, timeout=60, cwd="/")
    check(both.returncode == 2 and "--html -" in both.stderr, "--html - with --format json: exit 2", both.stderr)
    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
