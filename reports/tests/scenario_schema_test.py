#!/usr/bin/python3
"""reports/schema/scenario.schema.json (draft 2020-12) accepts every library scenario and every
valid fixture, rejects the malformed fixtures whose error is a schema-level one (a type, a
missing or unknown key, a bound, an enum), and names exactly the ops, keys, kinds, policies and
verdicts that the parser reads (`nsleak list`, `nsleak list ops`).

Scenario files may hold // and /* */ comments and a byte-order mark (harness/scenario/
located_json.cpp): they are stripped before validating, as a user of the schema must.

Needs python3-jsonschema (>= 4); without it this test FAILS.
"""

import json
import pathlib
import re
import sys

from nsleak_testlib import Checks

try:
    from jsonschema import Draft202012Validator
except ImportError as e:  # never a silent pass
    print("FAIL - python3-jsonschema is not installed (%s): apt-get install python3-jsonschema" % e)
    print("0 passed, 1 failed")
    sys.exit(1)

# Malformed fixtures whose error the schema alone must see. The others are the parser's
# business: cross-references, recursion, lexical errors, duplicate keys, bad UTF-8, ...
SCHEMA_LEVEL = [
    "description-not-string", "expect-not-object", "expectation-not-object", "expectation-unknown-key",
    "fail-errno-number", "fail-errno-typo", "fn-empty-name", "function-body-not-array", "function-name-bad",
    "function-name-main", "functions-not-object", "get-missing-as", "go-missing-fn", "idle-ms-negative",
    "inherit-not-bool", "as-origin", "chan-bad-name",
    "setuid-uid-not-integer", "setuid-uid-out-of-range", "setuid-uid-negative", "setuid-missing-uid",
    "setuid-raw-not-boolean", "setgid-gid-fraction", "setgid-uid-key", "setaffinity-cpus-empty",
    "setaffinity-cpus-not-array", "setaffinity-cpu-out-of-range", "setaffinity-cpu-not-integer",
    "setnice-out-of-range", "setnice-too-low", "setnice-not-integer",
]


def strip_comments(text):
    """Drops // and /* */ comments outside strings (as nlohmann's ignore_comments does)."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            m = re.compile(r"[\r\n]").search(text, i)
            i = m.start() if m else n
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def load(path):
    return json.loads(strip_comments(path.read_bytes().decode("utf-8").lstrip("\ufeff")))


def main():
    c = Checks("scenario-schema")
    schema = json.loads(pathlib.Path(c.path("reports", "schema", "scenario.schema.json")).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    c.check(schema["$id"] == "https://nsleak.invalid/reports/schema/scenario.schema.json", "the schema has its $id")
    v = Draft202012Validator(schema)

    files = sorted(pathlib.Path(c.path("scenarios")).rglob("*.json")) + sorted(pathlib.Path(c.path("fixtures", "valid")).glob("*.json"))
    for f in files:
        errs = ["%s: %s" % (e.json_path, e.message[:200]) for e in v.iter_errors(load(f))]
        c.check(not errs, "%s validates" % f.relative_to(c.root), "\n".join(errs[:10]))
    c.check(len(files) > 20, "the library and the valid fixtures were read (%d files)" % len(files))

    malformed = pathlib.Path(c.path("fixtures", "malformed"))
    for name in SCHEMA_LEVEL:
        f = malformed / (name + ".json")
        c.check(f.exists() and not v.is_valid(load(f)), "the schema rejects fixtures/malformed/%s.json" % name)

    # The schema's vocabulary is the parser's: ops and their keys from `nsleak list ops`.
    out = c.run(["list", "ops"]).stdout.decode()
    listed, op = {}, None
    for line in out.split("\n")[1:]:
        if re.match(r"^  \S", line):
            op = line.strip()
            listed[op] = {"required": [], "optional": []}
        elif op and re.match(r"^      [* ] \S", line):
            key = line[8:].split()[0]
            listed[op]["required" if line[6] == "*" else "optional"].append(key)
    schema_ops = {}
    for o in schema["$defs"]["op"]["oneOf"]:
        name = o["properties"]["op"]["const"]
        req = [k for k in o["required"] if k != "op"]
        schema_ops[name] = {"required": sorted(req),
                            "optional": sorted(k for k in o["properties"] if k != "op" and k not in req)}
    c.equal({k: {"required": sorted(x["required"]), "optional": sorted(x["optional"])} for k, x in listed.items()},
            schema_ops, "every op and its required/optional keys are those of `nsleak list ops`")
    c.equal(sorted(schema["$defs"]["op"]["properties"]["op"]["enum"]), sorted(listed), "the op enum")
    full = c.run(["list"]).stdout.decode()
    section = lambda title: [l.split()[0] for l in full.split(title, 1)[1].split("\n\n", 1)[0].split("\n")[1:] if l.strip()]
    c.equal(sorted(schema["$defs"]["policy"]["enum"]), sorted(p for p in section("Policies") if p != "<file.json>"),
            "expect's policies are the presets")
    c.equal(sorted(schema["$defs"]["nsKind"]["enum"]), sorted(section("State kinds")), "ns kinds are the state table's")
    c.equal(sorted(schema["$defs"]["verdictKind"]["enum"]), sorted(section("Verdicts:")), "verdict kinds")
    errno = re.search(r"fail +errno, one of: ([A-Z, ]+)", out)
    c.equal(sorted(schema["$defs"]["errno"]["enum"]), sorted(errno.group(1).split(", ")) if errno else [],
            "fail's errnos are the injectable ones")
    c.finish()


if __name__ == "__main__":
    main()
