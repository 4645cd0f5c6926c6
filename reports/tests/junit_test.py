#!/usr/bin/python3
"""The JUnit XML of `nsleak test --junit` read back by a real JUnit consumer, Debian's
python3-junitparser (on a strict XML parser): one <testcase> per scenario x policy, failures
and errors where the suite report says so, totals that add up, and text that survives the
trip: markup characters, quotes, non-ASCII, control characters (XML 1.0 cannot carry them:
they arrive visible as \\uXXXX) and a file name that is not UTF-8 (its bad byte arrives as
U+FFFD).

Needs python3-junitparser; without it this test FAILS.
"""

import json
import os
import shlex
import shutil
import sys

from nsleak_testlib import Checks

try:
    import junitparser
    from junitparser import Attr, Error, Failure, JUnitXml, TestCase, TestSuite
except ImportError as e:  # never a silent pass
    print("FAIL - python3-junitparser is not installed for %s (%s): apt-get install python3-junitparser"
          % (sys.executable, e))
    print("0 passed, 1 failed")
    sys.exit(1)


# <testcase file="..."> is not among junitparser's predefined attributes; declare it.
TestCase.file = Attr("file")


def main():
    c = Checks("junit")
    c.require_namespaces()
    print("note: junitparser from %s" % os.path.dirname(junitparser.__file__))

    # The scenarios: passes (article x 3 policies, locked-exit x 2), a failed expectation
    # (special-chars, from a file whose name has markup, quotes and a byte that is not UTF-8),
    # a crash (deadlock).
    d = os.path.join(c.tmp, "scenarios")
    os.makedirs(d)
    odd_name = b"we<i>rd&\"q'\xff.json".decode("utf-8", "surrogateescape")
    shutil.copy(c.path("reports", "tests", "data", "special-chars.json"), os.path.join(d, odd_name))
    shutil.copy(c.path("reports", "tests", "data", "deadlock.json"), os.path.join(d, "deadlock.json"))
    shutil.copy(c.path("scenarios", "article", "article-poisoned-main.json"), os.path.join(d, "article.json"))
    shutil.copy(c.path("fixtures", "golden", "locked-exit.json"), os.path.join(d, "locked-exit.json"))
    sj, xj = os.path.join(c.tmp, "suite.json"), os.path.join(c.tmp, "junit.xml")
    p = c.run(["test", d, "--json", sj, "--junit", xj], cwd=c.tmp)
    c.equal(p.returncode, 1, "nsleak test exits 1 (an expectation failed, a program crashed)")
    if not c.check(os.path.exists(sj) and os.path.exists(xj), "nsleak test wrote --json and --junit",
                   p.stdout.decode(errors="replace")[-3000:] + p.stderr.decode(errors="replace")[-3000:]):
        c.finish()
    with open(sj, encoding="utf-8") as f:
        suite = json.load(f)

    try:
        xml = JUnitXml.fromfile(xj)
    except Exception as e:  # a parse error is the finding
        c.check(False, "junitparser reads the JUnit file", repr(e))
        c.finish()
    c.check(True, "junitparser reads the JUnit file")

    runs = suite["runs"]
    by_key = {(r["policy"], r["scenario"]): r for r in runs}
    cases = []
    for ts in xml:
        if not c.check(isinstance(ts, TestSuite), "top level holds <testsuite> elements"):
            continue
        mine = [tc for tc in ts]
        policy = ts.name[len("nsleak "):] if ts.name.startswith("nsleak ") else ts.name
        c.equal(ts.tests, len(mine), "testsuite %s: tests attribute = its testcases" % ts.name)
        c.equal(ts.failures, sum(1 for tc in mine if any(isinstance(x, Failure) for x in tc.result)),
                "testsuite %s: failures attribute = its <failure>s" % ts.name)
        c.equal(ts.errors, sum(1 for tc in mine if any(isinstance(x, Error) for x in tc.result)),
                "testsuite %s: errors attribute = its <error>s" % ts.name)
        for tc in mine:
            cases.append((policy, tc))
    c.equal(len(cases), len(runs), "one testcase per scenario x policy run (%d)" % len(runs))
    c.equal(xml.tests, len(runs), "testsuites tests attribute")
    c.equal(xml.failures, sum(r["outcome"] == "fail" for r in runs), "testsuites failures attribute")
    c.equal(xml.errors, sum(r["outcome"] not in ("pass", "fail") for r in runs), "testsuites errors attribute")
    c.equal(sorted((p, tc.name) for p, tc in cases), sorted(by_key), "testcases are named scenario, grouped by policy")
    c.equal(sorted(r["outcome"] for r in runs), ["crash", "fail", "pass", "pass", "pass", "pass", "pass"],
            "the runs' outcomes")

    for policy, tc in cases:
        r = by_key.get((policy, tc.name))
        if r is None:
            continue
        label = "%s [%s]" % (tc.name, policy)
        # Viewers split classnames at dots: the policy's own dots must not become packages.
        c.equal(tc.classname, "nsleak." + policy.replace(".", "_"), "%s: classname" % label)
        c.check(tc.classname.count(".") == 1, "%s: classname has one dot" % label, tc.classname)
        kinds = [type(x).__name__ for x in tc.result]
        want = {"pass": [], "fail": ["Failure"]}.get(r["outcome"], ["Error"])
        c.equal(kinds, want, "%s: JUnit result for outcome %s" % (label, r["outcome"]))
        for x in tc.result:
            c.equal(x.message, r["reason"], "%s: message is the reason" % label)
            c.check(("reproduce: " + r["reproduce"]) in (x.text or ""), "%s: the result text says how to reproduce" % label,
                    x.text)
            if r["outcome"] not in ("pass", "fail"):
                c.equal(x.type, r["outcome"], "%s: error type is the outcome" % label)
        if r["outcome"] == "pass":
            c.check(not tc.system_out, "%s: a passing case has no system-out by default" % label, tc.system_out)
        else:
            c.check(tc.system_out and ("nsleak: %s under policy %s" % (tc.name, policy)) in tc.system_out,
                    "%s: system-out is the narrated story" % label)

    # What survives the trip, in the special-chars run.
    special = [tc for p, tc in cases if tc.name == "special-chars"]
    if c.check(len(special) == 1, "the special-chars testcase is there"):
        tc = special[0]
        want_file = os.path.join(d, odd_name).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        c.equal(tc.file, want_file, "file attribute: markup and quotes intact, the non-UTF-8 byte as U+FFFD")
        out = tc.system_out
        for piece in ["lt:< gt:> amp:& dq:\" sq:' cdata-end:]]>", "cjk:的副作用", "astral:\U0001F600",
                      "bell:\\u0007", "esc:\\u001B[31m", "nul:\\u0000", "del:\\u007F", "c1:\\u0085",
                      "cr:\\u000D", "nonchar:\\uFFFF"]:
            c.check(piece in out, "system-out carries %r" % piece)
        c.check(not any(ch in out for ch in "\x00\x07\x1b\r\uffff"),
                "no raw control character or U+FFFF reached the XML text")
        fail = [x for x in tc.result if isinstance(x, Failure)]
        if fail:
            # The reproduce line is shell-quoted: split it as a shell would, then find the file.
            repro = [l for l in fail[0].text.splitlines() if l.startswith("reproduce: ")]
            words = shlex.split(repro[0][len("reproduce: "):]) if repro else []
            c.check(want_file in words, "failure text names the file (with U+FFFD), shell-quoted", fail[0].text)

    # --junit-passing-output: the stories of passing cases too.
    xa = os.path.join(c.tmp, "junit-all.xml")
    p = c.run(["test", d, "--junit", xa, "--junit-passing-output"], cwd=c.tmp)
    try:
        outs = [tc.system_out for ts in JUnitXml.fromfile(xa) for tc in ts]
        c.check(len(outs) == len(runs) and all(o and "nsleak: " in o for o in outs),
                "--junit-passing-output writes system-out for every case")
    except Exception as e:
        c.check(False, "junitparser reads the --junit-passing-output file", repr(e))

    # The same reader on the report of a merge (written from the suite JSON alone).
    mj, mx = os.path.join(c.tmp, "merged.json"), os.path.join(c.tmp, "merged.xml")
    p = c.run(["merge", sj, "--json", mj, "--junit", mx])
    c.equal(p.returncode, 1, "nsleak merge of that suite exits 1 (it has failures)")
    try:
        m = JUnitXml.fromfile(mx)
        c.equal((m.tests, m.failures, m.errors), (xml.tests, xml.failures, xml.errors),
                "the merged JUnit has the same totals")
    except Exception as e:
        c.check(False, "junitparser reads the merged JUnit file", repr(e))
    c.finish()


if __name__ == "__main__":
    main()
