#!/usr/bin/python3
"""docs/scenario-format.md is the reference for the format (issue 13.5): checked against what the
real binary's parser accepts, as `nsleak list ops` prints it (harness/scenario/op_reader.cpp):

  - every op has its row in the ops table, saying what it stands for in Go;
  - every key `list ops` gives an op is named in that op's row;
  - the belief model is stated: `inherit` is the author's belief, not a runtime switch;
  - the doc names no op the parser does not know (a renamed op cannot linger in it).

Needs no namespaces.
"""

import re

from nsleak_testlib import Checks


def list_ops(c):
    """{op: [key, ...]} from `nsleak list ops`."""
    p = c.run(["list", "ops"])
    c.equal(p.returncode, 0, "nsleak list ops exits 0")
    ops, current = {}, None
    for line in p.stdout.decode("utf-8").splitlines():
        m = re.match(r"^  ([a-z_]+)$", line)
        if m:
            current = ops.setdefault(m.group(1), [])
            continue
        m = re.match(r"^      (?:\* |  )([a-z_]+)\s", line)
        if m and current is not None:
            current.append(m.group(1))
    return ops


def doc_rows(text):
    """{op: row} from the ops table (section "## Ops"): rows "| `op` | keys | Go | what |"."""
    rows = {}
    section = text.split("\n## Ops\n", 1)[-1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = re.match(r"^\| `([a-z_]+)` \|(.*)$", line)
        if m and line.count("|") >= 5:
            rows[m.group(1)] = m.group(2)
    return rows


def main():
    c = Checks("scenario-doc")
    ops = list_ops(c)
    c.check(len(ops) >= 20, "list ops prints the ops (%d)" % len(ops), repr(sorted(ops)))
    with open(c.path("docs", "scenario-format.md"), encoding="utf-8") as f:
        text = f.read()
    rows = doc_rows(text)
    for op, keys in sorted(ops.items()):
        row = rows.get(op)
        if not c.check(row is not None, "docs/scenario-format.md has a row for op %r" % op):
            continue
        cells = [x.strip() for x in row.split("|")]
        c.check(len(cells) >= 3 and cells[1], "op %r: the row says what it stands for in Go" % op, row)
        missing = [k for k in keys if "`%s`" % k not in cells[0]]
        c.check(not missing, "op %r: the row names every key (%s)" % (op, ", ".join(keys) or "none"),
                "missing: %r in %r" % (missing, cells[0]))
    unknown = sorted(set(rows) - set(ops))
    c.check(not unknown, "the ops table names no op the parser does not know", repr(unknown))
    c.check(re.search(r"`inherit: true`[^.]*belief[^.]*\. It is \*\*not a runtime switch\*\*", text, re.S),
            "the belief model says `inherit` is the author's belief, not a runtime switch")
    c.finish()


if __name__ == "__main__":
    main()
