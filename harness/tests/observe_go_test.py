#!/usr/bin/env python3
"""`nsleak observe` on real Go (fixtures/go, built with Debian's Go 1.19), as root and as an
unprivileged user: what the kernel showed the supervisor must be what the program says it did.

  article:     poisoned-main, and exactly one setns call, made by the locked thread's tid
               (the unshare of netns.New() too);
  locked-exit: the thread that unshared exits dirty (thread-exited), and no other thread of
               the program is ever in that namespace;
  export:      `nsleak export --go` of the article scenario builds offline (standard library
               only) and, observed, tells the article's story in its own JSON lines;
  html:        `observe --html` of the article: its page pins poisoned-main and draws the one
               setns as a box on the locked thread's lane;
  thread-state: per-thread kinds other than namespaces (fixtures/go/thread-state): a raw
               setresuid, a setpriority, a sched_setaffinity on a locked thread unlocked without
               restoring is dirty-at-exit about that kind on that thread, the change explained
               by the thread's own notified call; syscall.Setuid (AllThreadsSyscall since
               go1.16) moves every thread together: no verdict, one process-wide uid move.

Exit 77 (skip, counted by ci/test) when Go or vishvananda/netns is not installed or
namespaces are unavailable; 1 on any failed check.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok - " if ok else "FAIL - ") + what + ("" if ok or not detail else "\n    " + detail))
    if not ok:
        failures += 1


def observe(nsleak, binary, user, html=None):
    """The exit status, the observe report and the program's own JSON lines (on stderr with --format json)."""
    return observe_args(nsleak, [binary], user, html)


def observe_args(nsleak, argv, user, html=None):
    binary = argv[0]
    # As setpriv --reuid --regid --clear-groups would: with root's groups kept, newgidmap refuses
    # the sandbox's multi-id map, and a uid change to 1 has no id to go to.
    who = {} if user is None else {"user": user, "group": user, "extra_groups": []}
    out = subprocess.run([nsleak, "observe", "--format", "json"] + (["--html", html] if html else []) + ["--"] + argv,
                         capture_output=True, text=True, timeout=60, cwd="/", **who)
    if out.returncode == 3:
        print("SKIPPED: this environment cannot run namespaces: " + out.stderr.strip())
        sys.exit(77)
    if out.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d\n%s%s" % (binary, out.returncode, out.stdout, out.stderr))
    program = [json.loads(l) for l in out.stderr.splitlines() if l.startswith("{")]
    return out.returncode, json.loads(out.stdout), program


def kinds(rep):
    return [v["kind"] for v in rep["verdicts"]]


def calls(rep, name):
    return [c for c in rep["syscalls"] if c["call"] == name]


def check_article(rep, rc, prog, who):
    setns = calls(rep, "setns")
    unshare = calls(rep, "unshare")
    locked = prog.get("locked_tid")
    check(rc == 1 and "poisoned-main" in kinds(rep), who + "article: poisoned-main, exit 1", str(kinds(rep)))
    check(len(setns) == 1 and setns[0]["tid"] == locked,
          who + "article: exactly one setns, by the locked thread %s" % locked, json.dumps(setns))
    check(len(unshare) == 1 and unshare[0]["tid"] == locked,
          who + "article: netns.New()'s unshare by the locked thread too", json.dumps(unshare))
    main = next(t for t in rep["threads"] if t["leader"] and t["tid"] == rep["pid"])
    check(main["timeline"][-1]["state"]["net"] == prog.get("target_ns", "").strip("NS()"),
          who + "article: the main thread ends in the namespace the program calls target", json.dumps(main))


def check_locked_exit(rep, rc, prog, who):
    unshare = calls(rep, "unshare")
    check(len(unshare) == 1, who + "locked-exit: one unshare", json.dumps(unshare))
    if len(unshare) != 1:
        return
    tid = unshare[0]["tid"]
    exited = [v for v in rep["verdicts"] if v["kind"] == "thread-exited"]
    check(len(exited) == 1 and exited[0]["tid"] == tid,
          who + "locked-exit: the unsharing thread %d exits dirty (thread-exited)" % tid, str(kinds(rep)))
    check(not {"poisoned-main", "dirty-at-exit", "inherited-clone"} & set(kinds(rep)) and rc == 0,
          who + "locked-exit: nothing else, exit 0", str(kinds(rep)))
    me = next(t for t in rep["threads"] if t["tid"] == tid)
    target = me["timeline"][-1]["state"]["net"]
    others = [t["tid"] for t in rep["threads"] if t["tid"] != tid
              for step in t["timeline"] if step["state"]["net"] == target]
    check(target != rep["origin"]["net"] and not others,
          who + "locked-exit: no other thread is ever in its namespace %s" % target, str(others))
    check(me["end"] == "exit", who + "locked-exit: the thread ended by exit(2)", json.dumps(me))


def check_thread_state(nsleak, binary, user, who):
    modes = [("raw-uid", "uid", "setresuid"), ("nice", "nice", "setpriority")]
    if len(os.sched_getaffinity(0)) >= 2:
        modes.append(("affinity", "affinity", "sched_setaffinity"))
    else:
        print("# thread-state affinity: one CPU here, the kind cannot be changed to something else (not run)")
    for mode, kind, call in modes:
        rc, rep, prog = observe_args(nsleak, [binary, mode], user)
        p = prog[-1] if prog else {}
        tid = p.get("changed_tid")
        dirty = [v for v in rep["verdicts"] if v["state_kind"] == kind]
        check(rc == 1 and [v["kind"] for v in dirty] == ["dirty-at-exit"] and dirty[0]["tid"] == tid
              and dirty[0]["value"] != dirty[0]["process_value"],
              who + "thread-state %s: dirty-at-exit about %s on the changed thread %s" % (mode, kind, tid),
              json.dumps(rep["verdicts"]) + " " + json.dumps(p))
        check(not [v for v in rep["verdicts"] if v["state_kind"] != kind],
              who + "thread-state %s: no verdict about another kind" % mode, json.dumps(rep["verdicts"]))
        mine = [c for c in rep["syscalls"] if c["call"] == call and c["tid"] == tid]
        me = next((t for t in rep["threads"] if t["tid"] == tid), {"timeline": []})
        causes = [s["cause"] for s in me["timeline"]]
        check(len(mine) == 1 and mine[0]["seq"] in causes,
              who + "thread-state %s: the thread's own %s explains its change" % (mode, call),
              json.dumps(mine) + " " + json.dumps(me))
        print("# thread-state %s: %d of 20 readers ran on the changed thread and saw %s" %
              (mode, p.get("readers_dirty", -1), p.get("after")))
    rc, rep, prog = observe_args(nsleak, [binary, "setuid"], user)
    p = prog[-1] if prog else {}
    setuids = [c for c in rep["syscalls"] if c["call"] == "setuid"]
    uid_moves = [m for m in rep["process_moves"] if m["state_kind"] == "uid"]
    check(rc == 0 and not rep["verdicts"], who + "thread-state setuid: AllThreadsSyscall leaves no verdict",
          json.dumps(rep["verdicts"]))
    check(len(uid_moves) == 1 and len(setuids) >= 2 and p.get("after") != p.get("before"),
          who + "thread-state setuid: every thread's setuid (%d), one process-wide uid move" % len(setuids),
          json.dumps(uid_moves) + " " + json.dumps(p))


def check_html(nsleak, binary, outdir, who):
    import xml.etree.ElementTree as ET
    svg = "{http://www.w3.org/2000/svg}"
    page = os.path.join(outdir, "article.html")
    rc, rep, prog = observe(nsleak, binary, None, page)
    locked = (prog[-1] if prog else {}).get("locked_tid")
    with open(page, encoding="utf-8") as f:
        root = ET.fromstring(f.read())
    gs = [g for g in root.iter(svg + "g")]
    lane = {g.get("data-tid"): g.get("data-m") for g in gs if g.get("class") == "lane"}
    title = lambda g: "".join(g.find(svg + "title").itertext())
    setns = [g for g in gs if g.get("class") == "op" and ": setns(" in title(g)]
    check(len(setns) == 1 and setns[0].get("data-m") == lane.get(str(locked)),
          who + "html: the one setns is a box on the locked thread %s's lane" % locked, [title(g) for g in setns])
    check("poisoned-main" in [g.get("data-kind") for g in gs if g.get("class") == "verdict"],
          who + "html: poisoned-main is pinned")


def find_go():
    for g in (os.environ.get("GO"), "/usr/lib/go-1.19/bin/go", shutil.which("go")):
        if g and os.access(g, os.X_OK):
            return g
    return None


def check_export(nsleak, root, outdir, user, who):
    src = os.path.join(outdir, "export-article")
    ex = subprocess.run([nsleak, "export", "--go", "scenarios/article/article-poisoned-main.json", "-o", src],
                        cwd=root, capture_output=True, text=True)
    check(ex.returncode == 0, who + "export: exit 0", ex.stderr)
    if user is None:  # built once, by the first (privileged or only) pass
        env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0",
                   GO111MODULE="on", GOCACHE=os.path.join(outdir, "gocache"), GOPATH=os.path.join(outdir, "gopath"))
        b = subprocess.run([find_go(), "build", "-o", "article-export", "."], cwd=src, env=env,
                           capture_output=True, text=True)
        check(b.returncode == 0, who + "export: go build, offline, standard library only", b.stderr)
        os.chmod(src, 0o755)
    rc, rep, program = observe(nsleak, os.path.join(src, "article-export"), user)
    lines = {j["op"]: j for j in program}
    check("poisoned-main" in kinds(rep) and rc == 1, who + "export: observed, the exported program is poisoned-main",
          str(kinds(rep)))
    exp = lines.get("main#3", {})
    check(exp.get("match") is False and exp.get("name") == "newNs" and exp.get("g") == "main",
          who + "export: main's expect sees newNs, not mainNs (the article's poisoned main)", json.dumps(exp))
    child = lines.get("child#0", {})
    check(child.get("g") == "child#1" and child.get("state") == lines.get("main#0", {}).get("state"),
          who + "export: the child goroutine reads the origin namespace", json.dumps(child))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nsleak", required=True)
    ap.add_argument("--source-root", required=True)
    a = ap.parse_args()
    root, nsleak = a.source_root, os.path.abspath(a.nsleak)
    outdir = tempfile.mkdtemp(prefix="nsleak-observe-go-")
    os.chmod(outdir, 0o755)  # the unprivileged runs exec from here
    built = subprocess.run([os.path.join(root, "ci/go-reference"), "build", outdir], capture_output=True, text=True)
    if built.returncode == 77:
        print("SKIPPED: " + (built.stderr.strip() or built.stdout.strip()))
        sys.exit(77)
    if built.returncode != 0:
        print("FAIL - building the Go reference programs\n" + built.stdout + built.stderr)
        sys.exit(1)
    users = [None] + ([65534] if os.geteuid() == 0 else [])
    for user in users:
        who = "" if user is None and os.geteuid() != 0 else ("root: " if user is None else "uid %d: " % user)
        rc, rep, prog = observe(nsleak, os.path.join(outdir, "article"), user)
        check_article(rep, rc, prog[-1] if prog else {}, who)
        rc, rep, prog = observe(nsleak, os.path.join(outdir, "locked-exit"), user)
        check_locked_exit(rep, rc, prog[-1] if prog else {}, who)
        check_export(nsleak, root, outdir, user, who)
        check_thread_state(nsleak, os.path.join(outdir, "thread-state"), user, who)
        if user is None:
            check_html(nsleak, os.path.join(outdir, "article"), outdir, who)
    shutil.rmtree(outdir, ignore_errors=True)
    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
