#!/usr/bin/env python3
"""nsleak conform against real Go, on a few library scenarios with few runs (ci/test stays short).

    conform_go_test.py --nsleak PATH --source-root DIR

Checks: the article, a safe scenario and a process-wide setuid (AllThreadsSyscall) agree with Go (every class
real Go showed is reachable in the model, the most frequent is go-order's); a scenario export
refuses is listed as skipped with its reason; the export of every uid, gid, affinity and nice
library scenario builds offline; a missing toolchain is exit 3; a bad path is exit 2.
Exit 77 (skip, counted by ci/test) when Go is not installed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import go_checks  # harness/tests: check(), the failure count, find_go()
from go_checks import check, find_go

def check_state_exports(nsleak, go, root):
    """export --go of each per-thread-state library scenario (setuid/setgid, raw or not,
    setaffinity, setnice, and get/expect of those kinds) builds, offline."""
    out = tempfile.mkdtemp(prefix="nsleak-conform-export-")
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0",
               GO111MODULE="on", GOCACHE=os.environ.get("GOCACHE", os.path.join(out, "gocache")),
               GOPATH=os.path.join(out, "gopath"))
    files = sorted(os.path.join(d, f) for d in ("scenarios/uid", "scenarios/gid", "scenarios/affinity", "scenarios/nice")
                   for f in os.listdir(os.path.join(root, d)) if f.endswith(".json"))
    check(len(files) >= 5, "export: the uid, gid, affinity and nice scenarios are found", str(files))
    for f in files:
        d = os.path.join(out, os.path.basename(f)[:-5])
        ex = subprocess.run([nsleak, "export", "--go", f, "-o", d], cwd=root, capture_output=True, text=True)
        b = subprocess.run([go, "build", "-o", "program", "."], cwd=d, env=env, capture_output=True, text=True) \
            if ex.returncode == 0 else ex
        check(ex.returncode == 0 and b.returncode == 0, "export: %s exports and builds with %s, offline" % (f, go),
              ex.stderr + b.stderr)
    shutil.rmtree(out, ignore_errors=True)


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
                 "scenarios/cni/cni-do-restore-fails.json", "scenarios/uid/setuid-go112-vs-go116.json"]
    out = subprocess.run([nsleak, "conform", "--go", go, "--runs", "3", "--budget", "40", "--format", "json"] + scenarios,
                         cwd=a.source_root, capture_output=True, text=True, timeout=240)
    try:
        rep = json.loads(out.stdout)
    except ValueError:
        check(False, "conform --format json prints one JSON document", out.stdout + out.stderr)
        sys.exit(1)
    by = {s["scenario"]: s for s in rep["scenarios"]}
    check(rep["policy"] == "go1.16" or not rep["go"].startswith("go1.1"), "conform: the policy matching " + rep["go"], rep["policy"])
    for name in ("article-poisoned-main", "lock-setns-restore-unlock", "setuid-go112-vs-go116"):
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

    check_state_exports(nsleak, go, a.source_root)

    nogo = subprocess.run([nsleak, "conform", "--go", "/nonexistent/go", scenarios[0]], cwd=a.source_root,
                          capture_output=True, text=True)
    check(nogo.returncode == 3 and "no Go toolchain" in nogo.stderr, "conform: no toolchain is exit 3, said", nogo.stderr)
    bad = subprocess.run([nsleak, "conform", "--go", go, "no-such-scenario"], cwd=a.source_root, capture_output=True, text=True)
    check(bad.returncode == 2, "conform: a bad path is exit 2", bad.stderr)
    print("%d failed" % go_checks.failures)
    sys.exit(1 if go_checks.failures else 0)


if __name__ == "__main__":
    main()
