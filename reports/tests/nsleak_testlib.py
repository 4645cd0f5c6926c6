"""Shared helpers of the report tests (reports/tests/*_test.py).

Each test script is a meson test run by Debian's /usr/bin/python3 (so that Debian's
python3-jsonschema and python3-junitparser are the libraries used):

    /usr/bin/python3 reports/tests/X_test.py --nsleak build/harness/cli/nsleak --source-root .

It prints one line per check ("ok - ..." or "FAIL - ..." with what differed), ends with the
line "N passed, N failed" and exits 0 only when nothing failed; 77 (meson's skip) when this
machine cannot run namespaces and the test needs real runs.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        p = argparse.ArgumentParser()
        p.add_argument("--nsleak", required=True, help="the nsleak binary")
        p.add_argument("--source-root", required=True, help="the repository root")
        a = p.parse_args()
        self.nsleak = os.path.abspath(a.nsleak)
        self.root = os.path.abspath(a.source_root)
        self.tmp = tempfile.mkdtemp(prefix="nsleak-%s-" % name)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("FAIL - %s" % what)
            if detail:
                for line in str(detail).rstrip("\n").split("\n"):
                    print("    " + line)
        sys.stdout.flush()
        return cond

    def equal(self, got, want, what):
        return self.check(got == want, what, "got:  %r\nwant: %r" % (got, want))

    def finish(self):
        if self.failed:
            print("note: the files of this test are kept in %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed or not self.passed else 0)

    def skip(self, why):
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("SKIPPED: %s" % why)
        sys.exit(SKIP)

    def run(self, args, cwd=None, timeout=300):
        """Runs nsleak from the source root (paths in reports stay relative); bytes out. The locale is
        UTF-8 whatever the caller's: under a non-UTF-8 one nsleak spells its output in ASCII."""
        env = dict(os.environ, LC_ALL="C.UTF-8")
        return subprocess.run([self.nsleak] + list(args), cwd=cwd or self.root, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)

    def require_namespaces(self):
        """Skips (exit 77) when the sandbox cannot be set up here; the reason is printed."""
        p = self.run(["run", "scenarios/article/article-poisoned-main.json", "--format", "json"])
        try:
            report = json.loads(p.stdout)
        except ValueError:
            self.check(False, "nsleak run --format json prints one JSON object",
                       "exit %d\nstdout: %r\nstderr: %r" % (p.returncode, p.stdout[:2000], p.stderr[:2000]))
            self.finish()
        if "environment_error" in report:
            self.skip("this environment cannot run namespaces: " + report["environment_error"])


def json_documents(data):
    """The run reports of `nsleak run --format json` output: one object, or an array of the
    runs when there are several (concatenated documents are accepted too)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        value, i = dec.raw_decode(text, i)
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)


NS_ID = re.compile(r"(?<![\w:.])(\d+):(\d+)(?![\w:])")
KERNEL_NS_ID = re.compile(r"\b([a-z]+):\[(\d+)\]")  # "net:[4026532178]", as text reports print them
TID = re.compile(r"(\btid:? |\"tid\": )(\d+)( *)")
WALL = re.compile(r"\b\d+\.\d+ ?(ms|s)\b")


def normalise(text):
    """Stable names for what differs between two runs of the same scenario: thread ids become
    T1, T2, ... and namespace identities (dev:ino in JSON, kind:[ino] in text: "net:[NS-A]") NS-A,
    NS-B, ... in order of first appearance (by inode);
    wall times (decimal milliseconds or seconds) become <WALL>. A thread id padded to a column
    keeps the column: thread ids have 5 to 7 digits depending on the machine's pid counter."""
    ns, tids = {}, {}

    def ns_name(m):
        key = m.group(2)  # the inode: both forms name the same namespace alike
        if key not in ns:
            i = len(ns)
            ns[key] = "NS-" + (chr(ord("A") + i) if i < 26 else "Z%d" % i)
        return ns[key]

    def tid_name(m):
        key = m.group(2)
        if key not in tids:
            tids[key] = "T%d" % (len(tids) + 1)
        name, pad = tids[key], m.group(3)
        if pad and m.group(1) == "tid ":  # "m0 tid 123   ...": a padded column, keep its width
            pad = " " * max(1, len(key) + len(pad) - len(name))
        return m.group(1) + name + pad

    text = NS_ID.sub(ns_name, text)
    text = KERNEL_NS_ID.sub(lambda m: m.group(1) + ":[" + ns_name(m) + "]", text)
    text = TID.sub(tid_name, text)
    return WALL.sub("<WALL>", text)


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)
