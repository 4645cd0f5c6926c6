#!/usr/bin/env python3
"""nsleak's model against the real thing: each Go reference program (fixtures/go/, built with
the Go toolchain from Debian) and the scenario that stands for it must tell the same story.

The Go programs run once each in a fresh network namespace and print one JSON line of what
the kernel showed them; nsleak runs the scenario under the policy matching that Go version.
Only facts both sides observe are compared (which thread a goroutine ran on relative to the
locked one, which namespace it saw, whether a thread disappeared). Exit 77 (skip) when Go or
vishvananda/netns is not installed, or namespaces are unavailable; 1 on any disagreement.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok - " if ok else "FAIL - ") + what + ("" if ok or not detail else "\n    " + detail))
    if not ok:
        failures += 1


def go_run(root, outdir, name):
    out = subprocess.run([os.path.join(root, "ci/go-reference"), "run", outdir, name],
                         capture_output=True, text=True, timeout=60)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError("%s: exit %d\n%s%s" % (name, out.returncode, out.stdout, out.stderr))
    return json.loads(lines[-1])


def nsleak_run(nsleak, root, scenario, policy):
    out = subprocess.run([nsleak, "run", scenario, "--policy", policy, "--format", "json"],
                         cwd=root, capture_output=True, text=True, timeout=60)
    if out.returncode == 3:
        print("SKIPPED: this environment cannot run namespaces: " + out.stderr.strip())
        sys.exit(77)
    return json.loads(out.stdout)


def kinds(report):
    return {v["kind"] for v in report["verdicts"]}


def step(report, label):
    return next(s for s in report["steps"] if s["label"] == label)


def policy_for(go_version):
    """go1.19.8 -> go1.12 (the current-behaviour preset covers every release since 1.12)."""
    minor = int(go_version.split(".")[1])
    return "go1.12" if minor >= 12 else ("go1.10" if minor >= 10 else "go1.9")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nsleak", required=True)
    ap.add_argument("--source-root", required=True)
    a = ap.parse_args()
    root, nsleak = a.source_root, os.path.abspath(a.nsleak)
    outdir = tempfile.mkdtemp(prefix="nsleak-goref-")
    built = subprocess.run([os.path.join(root, "ci/go-reference"), "build", outdir],
                           capture_output=True, text=True)
    if built.returncode == 77:
        print("SKIPPED: " + (built.stderr.strip() or built.stdout.strip()))
        sys.exit(77)
    if built.returncode != 0:
        print("FAIL - building the Go reference programs\n" + built.stdout + built.stderr)
        sys.exit(1)

    g = go_run(root, outdir, "article")
    pol = policy_for(g["go"])
    print("# real Go is %s: comparing with nsleak's %s policy" % (g["go"], pol))
    n = nsleak_run(nsleak, root, "scenarios/article/article-poisoned-main.json", pol)
    check(g["child_ns"] == g["origin_ns"] and g["child_tid"] != g["locked_tid"],
          "article, Go: the spawned goroutine ran on another thread, in origin", json.dumps(g))
    check("lost-inheritance" in kinds(n) and step(n, "child#0")["tid"] != step(n, "goroutineWithNs#1")["tid"],
          "article, nsleak: the child ran on another thread and lost the namespace (lost-inheritance)")
    check(g["poisoned_main"] and g["main_tid_after"] == g["main_tid_before"],
          "article, Go: main stayed on its thread and ended in the new namespace", json.dumps(g))
    check("poisoned-main" in kinds(n) and step(n, "main#3")["tid"] == step(n, "main#0")["tid"],
          "article, nsleak: main stayed on M0 and ended poisoned (poisoned-main)")

    g = go_run(root, outdir, "spawn-no-inherit")
    n = nsleak_run(nsleak, root, "scenarios/go-issues/spawn-does-not-inherit.json", pol)
    check(g["children_in_target"] == 0 and g["children_on_locked_tid"] == 0,
          "spawn, Go: no child goroutine ran on the locked thread or in its namespace", json.dumps(g))
    check("lost-inheritance" in kinds(n) and "stale-belief" not in kinds(n),
          "spawn, nsleak: lost-inheritance, and nothing else leaked", str(sorted(kinds(n))))

    g = go_run(root, outdir, "locked-exit")
    n = nsleak_run(nsleak, root, "scenarios/go-issues/locked-exit-dirty-reuse.json", pol)
    check(g["locked_tid_gone"] and g["readers_in_target"] == 0,
          "locked exit, Go: the thread disappeared and no reader saw its namespace", json.dumps(g))
    check("thread-exited" in kinds(n) and not kinds(n) & {"poisoned-thread", "stale-belief"},
          "locked exit, nsleak: thread-exited, no reader saw the namespace", str(sorted(kinds(n))))

    g = go_run(root, outdir, "exec-inherits")
    n = nsleak_run(nsleak, root, "scenarios/go-issues/exec-inherits-thread-ns.json", pol)
    check(g["child_in_target"], "exec, Go: the exec'd child started in the locked thread's namespace", json.dumps(g))
    check("exec-inherited" in kinds(n), "exec, nsleak: exec-inherited", str(sorted(kinds(n))))

    g = go_run(root, outdir, "restore-fails")
    netlink = nsleak_run(nsleak, root, "scenarios/libraries/netlink-restore-error-ignored.json", pol)
    cni = nsleak_run(nsleak, root, "scenarios/cni/cni-do-restore-fails.json", "restore-or-die")
    check(g["dirty_tid_alive"] and g["dirty_tid_ns"] == g["target_ns"],
          "failed restore, Go: the unlocked thread lives on in the namespace (netlink style)", json.dumps(g))
    check("poisoned-thread" in kinds(netlink), "failed restore, nsleak: poisoned-thread (netlink style)")
    check(g["cni_tid_gone"], "failed restore, Go: the thread left locked is gone (CNI style)", json.dumps(g))
    check("thread-exited" in kinds(cni) and "poisoned-thread" not in kinds(cni),
          "failed restore, nsleak restore-or-die: thread-exited, not poisoned (CNI style)", str(sorted(kinds(cni))))

    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
