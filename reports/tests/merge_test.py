#!/usr/bin/python3
"""nsleak merge: the suite reports of `nsleak test --shard 1/2` and `--shard 2/2` merge into
the report of the unsharded run, equal modulo timing (wall_ms) and what every run makes anew
(thread ids, namespace inode numbers: normalised per run, as in the goldens), in either input
order; the JUnit written by the merge says the same as the unsharded one. Duplicated,
incomplete or garbage inputs are rejected with exit 2, a one-line reason on stderr and no
output file.
"""

import copy
import difflib
import json
import os

from nsleak_testlib import Checks, normalise, write_bytes

try:
    from junitparser import JUnitXml, TestSuite
except ImportError:
    JUnitXml = None

PATHS = ["scenarios/article/article-poisoned-main.json", "fixtures/golden",
         "reports/tests/data/deadlock.json"]


def comparable(suite):
    """The suite as text, without timing and with per-run identities normalised."""
    s = copy.deepcopy(suite)
    s.pop("wall_ms", None)
    s.pop("shard", None)
    runs = []
    for r in s.get("runs", []):
        r.get("stats", {}).pop("wall_ms", None)
        runs.append(normalise(json.dumps(r, sort_keys=True, ensure_ascii=False, indent=1)))
    s["runs"] = runs
    return json.dumps(s, sort_keys=True, ensure_ascii=False, indent=1).replace("\\n", "\n")


def junit_outline(path):
    """What a JUnit consumer sees, without times: suites, cases, results, messages."""
    out = []
    for ts in JUnitXml.fromfile(path):
        if isinstance(ts, TestSuite):
            out.append(("suite", ts.name, ts.tests, ts.failures, ts.errors))
            for tc in ts:
                out.append(("case", tc.classname, tc.name,
                            [(type(x).__name__, x.message, x.type) for x in tc.result],
                            normalise(tc.system_out or "")))
    return out


def diff(a, b, na, nb):
    text = lambda x: x if isinstance(x, str) else json.dumps(x, indent=1, sort_keys=True, ensure_ascii=False)
    return "".join(difflib.unified_diff(text(a).splitlines(True), text(b).splitlines(True), na, nb))[:6000]


def main():
    c = Checks("merge")
    c.require_namespaces()
    t = lambda name: os.path.join(c.tmp, name)
    results = {}
    for label, extra in (("full", []), ("s1", ["--shard", "1/2"]), ("s2", ["--shard", "2/2"])):
        p = c.run(["test"] + PATHS + extra + ["--json", t(label + ".json"), "--junit", t(label + ".xml")])
        results[label] = p.returncode
        ok = c.check(os.path.exists(t(label + ".json")), "nsleak test %s writes its suite report" % " ".join(extra or ["(unsharded)"]),
                     p.stdout.decode(errors="replace")[-3000:] + p.stderr.decode(errors="replace")[-3000:])
        if not ok:
            c.finish()
    load = lambda name: json.load(open(t(name), encoding="utf-8"))
    full, s1, s2 = load("full.json"), load("s1.json"), load("s2.json")
    c.check(len(full["runs"]) >= 6, "the unsharded run has %d runs" % len(full["runs"]))
    c.equal(len(s1["runs"]) + len(s2["runs"]), len(full["runs"]), "the shards split the runs between them")
    c.check(s1["runs"] and s2["runs"], "each shard has runs")
    c.equal((s1["shard"], s2["shard"], full["shard"]), ("1/2", "2/2", None), "the shard field")

    for order in (("s1", "s2"), ("s2", "s1")):
        name = "merged-%s-%s" % order
        p = c.run(["merge", t(order[0] + ".json"), t(order[1] + ".json"), "--json", t(name + ".json"),
                   "--junit", t(name + ".xml")])
        c.equal(p.returncode, results["full"], "merge %s %s exits as the unsharded run did" % order)
        if not c.check(os.path.exists(t(name + ".json")), "merge %s %s writes the merged report" % order,
                       p.stderr.decode(errors="replace")):
            continue
        m = load(name + ".json")
        c.equal(m["shard"], None, "the merged report is not a shard")
        c.equal(m["summary"], full["summary"], "merge %s %s: summary" % order)
        c.equal([(r["file"], r["policy"]) for r in m["runs"]], [(r["file"], r["policy"]) for r in full["runs"]],
                "merge %s %s: the runs in the unsharded order" % order)
        a, b = comparable(m), comparable(full)
        c.check(a == b, "merge %s %s equals the unsharded report (modulo timing and per-run ids)" % order,
                diff(b, a, "unsharded", "merged"))
        if JUnitXml is None:
            c.check(False, "python3-junitparser is installed (apt-get install python3-junitparser)")
        else:
            ja, jb = junit_outline(t(name + ".xml")), junit_outline(t("full.xml"))
            c.check(ja == jb, "merge %s %s: its JUnit reads the same as the unsharded JUnit" % order,
                    diff(jb, ja, "unsharded", "merged"))

    # Rejections: exit 2, one reason on stderr, no output written.
    write_bytes(t("not-json.json"), b"{\"schema\": \"nsleak/suite/1\", \"runs\": [")
    write_bytes(t("empty.json"), b"")
    write_bytes(t("binary.json"), b"\xff\xfe\x00garbage")
    bad = {}

    def variant(name, mutate, base=full):
        s = copy.deepcopy(base)
        mutate(s)
        write_bytes(t(name), json.dumps(s).encode())
        return t(name)

    def drop(key):
        return lambda s: s["runs"][0].pop(key)

    def setrun(key, value):
        return lambda s: s["runs"][0].__setitem__(key, value)

    cases = [
        ("the same shard twice", [t("s1.json"), t("s1.json")]),
        ("a shard missing (1/2 alone)", [t("s1.json")]),
        ("the unsharded report and a shard (runs twice)", [t("full.json"), t("s1.json")]),
        ("the unsharded report twice", [t("full.json"), t("full.json")]),
        ("truncated JSON", [t("not-json.json")]),
        ("an empty file", [t("empty.json")]),
        ("bytes that are not JSON", [t("binary.json")]),
        ("a file that does not exist", [t("no-such.json")]),
        ("a run report instead of a suite", [variant("run.json", lambda s: s.clear() or s.update(s1["runs"][0]))]),
        ("a JSON array", [variant("array.json", lambda s: None, base=[])]),
        ("a suite without runs", [variant("no-runs.json", lambda s: s.pop("runs"))]),
        ("runs that is not an array", [variant("runs-object.json", lambda s: s.__setitem__("runs", {"a": 1}))]),
        ("a run that is a number", [variant("run-number.json", lambda s: s["runs"].__setitem__(0, 5))]),
        ("a run without outcome", [variant("no-outcome.json", drop("outcome"))]),
        ("a run with an unknown outcome", [variant("bad-outcome.json", setrun("outcome", "flaky"))]),
        ("a run whose policy is a number", [variant("policy-number.json", setrun("policy", 12))]),
        ("a run without stats", [variant("no-stats.json", drop("stats"))]),
        ("a run whose story is not a string", [variant("story-array.json", setrun("story", ["x"]))]),
        ("a suite whose wall_ms is a string", [variant("wall-string.json", lambda s: s.__setitem__("wall_ms", "3"))]),
        ("a suite of another version", [variant("v2.json", lambda s: s.__setitem__("schema", "nsleak/suite/2"))]),
        ("a shard field that is not K/N", [variant("bad-shard.json", lambda s: s.__setitem__("shard", "3/2"))]),
        ("shards of two different splits", [variant("s1of3.json", lambda s: s.__setitem__("shard", "1/3"), base=s1),
                                            t("s2.json")]),
    ]
    for what, inputs in cases:
        out = t("rejected.json")
        if os.path.exists(out):
            os.remove(out)
        p = c.run(["merge"] + inputs + ["--json", out, "--junit", t("rejected.xml")])
        err = p.stderr.decode(errors="replace").strip()
        c.check(p.returncode == 2 and err and not os.path.exists(out) and "internal error" not in err,
                "merge rejects %s with exit 2: %s" % (what, err.split("\n")[0][:160]),
                "exit %d\nstderr: %s\nwrote output: %s" % (p.returncode, err, os.path.exists(out)))
    c.finish()


if __name__ == "__main__":
    main()
