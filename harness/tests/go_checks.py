"""What the real-Go and observe test scripts share: one "ok"/"FAIL" line per check, the count of
failures that decides their exit status, and where Debian's Go toolchain is."""

import os
import shutil

failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what)
    if not ok:
        failures += 1
        if detail:
            print("       " + detail.replace("\n", "\n       "))


def find_go():
    """$GO, Debian's Go 1.19, or go on PATH; None when there is none."""
    for g in (os.environ.get("GO"), "/usr/lib/go-1.19/bin/go", shutil.which("go")):
        if g and os.access(g, os.X_OK):
            return g
    return None
