#!/usr/bin/env python3
"""nsleak conform against real Go, on a few library scenarios with few runs (ci/test stays short).

    conform_go_test.py --nsleak PATH --source-root DIR

Checks: the article and a safe scenario agree with Go (every class real Go showed is reachable in
the model, the most frequent is go-order's); a scenario export refuses is listed as skipped with
its reason; a missing toolchain is exit 3; a bad path is exit 2.
Exit 77 (skip, counted by ci/test) when Go is not installed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what)
    if not ok:
        failures += 1
        if detail:
            print("       " + detail.replace("\n", "\n       "))


def find_go():
    for g in (os.environ.get("GO"), "/usr/lib/go-1.19/bin/go", shutil.which("go")):
        if g and os.access(g, os.X_OK):
            return g
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nsleak", required=True)
    ap.add_argument("--source-root", required=True)
    a = ap.parse_args()
    nsleak = os.path.abspath(a.nsleak)
    go = find_go()
    if go is None:
        print("SKIPPED: no Go toolchain (apt-get install golang-1.19-go)")
        sys.exit(77)
    scenarios = ["scenarios/article/article-poisoned-main.json", "scenarios/safe/lock-setns-restore-unlock.json",
                 "scenarios/cni/cni-do-restore-fails.json"]
    out = subprocess.run([nsleak, "conform", "--go", go, "--runs", "3", "--budget", "40", "--format", "json"] + scenarios,
                         cwd=a.source_root, capture_output=True, text=True, timeout=240)
    try:
        rep = json.loads(out.stdout)
    except ValueError:
        check(False, "conform --format json prints one JSON document", out.stdout + out.stderr)
        sys.exit(1)
    by = {s["scenario"]: s for s in rep["scenarios"]}
    check(rep["policy"] == "go1.12" or not rep["go"].startswith("go1.1"), "conform: the policy matching " + rep["go"], rep["policy"])
    for name in ("article-poisoned-main", "lock-setns-restore-unlock"):
        s = by.get(name, {})
        check(s.get("agrees") is True and s.get("go_runs") == 3, "conform: %s agrees with %s in 3 runs" % (name, rep["go"]),
              json.dumps(s, indent=1))
    art = by.get("article-poisoned-main", {})
    top = (art.get("classes") or [{}])[0]
    check(top.get("go_order") and top.get("go_count") == 3 and "main@main#3 newNs" in top.get("class", "") and
          "poisoned-main" in top.get("class", ""), "conform: the article's class is main seeing newNs, poisoned-main",
          json.dumps(top))
    skipped = by.get("cni-do-restore-fails", {}).get("skipped", "")
    check("fail" in skipped and "cni-do-restore-fails.json:" in skipped,
          "conform: a scenario export refuses is listed as skipped, located", skipped)
    check(out.returncode == 0, "conform: exit 0 when every scenario agrees or is skipped", out.stderr)

    nogo = subprocess.run([nsleak, "conform", "--go", "/nonexistent/go", scenarios[0]], cwd=a.source_root,
                          capture_output=True, text=True)
    check(nogo.returncode == 3 and "no Go toolchain" in nogo.stderr, "conform: no toolchain is exit 3, said", nogo.stderr)
    bad = subprocess.run([nsleak, "conform", "--go", go, "no-such-scenario"], cwd=a.source_root, capture_output=True, text=True)
    check(bad.returncode == 2, "conform: a bad path is exit 2", bad.stderr)
    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
