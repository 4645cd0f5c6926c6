#!/usr/bin/python3
"""Golden narrated reports: the text story of three small scenarios, normalised (thread ids ->
T1, T2, ...; namespace identities dev:ino -> NS-A, NS-B, ...; wall times -> <WALL>), compared
with fixtures/golden/NAME.txt. A mismatch prints a unified diff.

Regenerate the goldens after an intended change of the story (then review the diff in git):

    NSLEAK_UPDATE_GOLDEN=1 meson test -C build reports-golden
or directly:
    NSLEAK_UPDATE_GOLDEN=1 /usr/bin/python3 reports/tests/golden_test.py \\
        --nsleak build/harness/cli/nsleak --source-root .
"""

import difflib
import os
import re

from nsleak_testlib import Checks, normalise

# name -> the nsleak arguments, run from the source root. The article is `nsleak` with no
# arguments: the story a newcomer sees first.
CASES = [
    ("article-poisoned-main", []),
    ("exec-then-restore", ["run", "fixtures/golden/exec-then-restore.json"]),
    ("locked-exit", ["run", "fixtures/golden/locked-exit.json", "--policy", "all"]),
]


def render(c, args):
    p = c.run(args)
    header = "%s\n# exit status %d; normalised by reports/tests/golden_test.py\n" % (
        " ".join(["$ nsleak"] + args), p.returncode)
    text = p.stdout.decode("utf-8", errors="replace")
    # Each run (one per policy with --policy all) is normalised on its own: runs are separate
    # sandboxes, and the kernel reuses a freed namespace's inode, so a later run's namespace can
    # carry an earlier run's number. One run's story names its namespaces consistently.
    return header + "".join(normalise(r) for r in split_runs(text))


def split_runs(text):
    """The story split after each run's closing line ("PASS name [policy] ..."), so that every
    run is normalised with fresh names."""
    out, cur = [], []
    for line in text.splitlines(True):
        cur.append(line)
        if re.match(r"(PASS|FAIL|LEAK|ERROR|WARN) \S+ \[[^\]]+\]", line):
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def main():
    c = Checks("golden")
    c.require_namespaces()
    update = os.environ.get("NSLEAK_UPDATE_GOLDEN") == "1"
    for name, args in CASES:
        golden = c.path("fixtures", "golden", name + ".txt")
        got = render(c, args)
        if update:
            with open(golden, "w", encoding="utf-8") as f:
                f.write(got)
            c.check(True, "%s: wrote %s" % (name, golden))
            continue
        # Twice: a story that is not reproducible cannot be a golden.
        again = render(c, args)
        c.check(got == again, "%s: two runs narrate the same normalised story" % name,
                "".join(difflib.unified_diff(got.splitlines(True), again.splitlines(True),
                                             "first run", "second run")))
        try:
            with open(golden, encoding="utf-8") as f:
                want = f.read()
        except FileNotFoundError:
            c.check(False, "%s: %s exists" % (name, golden),
                    "create it with NSLEAK_UPDATE_GOLDEN=1 (see the top of this script)")
            continue
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "fixtures/golden/%s.txt" % name, "nsleak output (normalised)"))
        c.check(got == want, "%s: story matches fixtures/golden/%s.txt" % (name, name),
                diff + "\nIf the change is intended: NSLEAK_UPDATE_GOLDEN=1 meson test -C build reports-golden")
    c.finish()


if __name__ == "__main__":
    main()
