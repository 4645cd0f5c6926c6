#!/usr/bin/python3
"""Every schema in reports/schema has an absolute `$id`, so a validator given the schemas alone
resolves suite.schema.json's reference to run.schema.json: python3-jsonschema with a registry
keyed by nothing but the schemas' own ids, and (with --ajv) ajv-cli loading the two files
(skipped, counted, when ajv is not installed: `npm install -g ajv-cli`).
"""

import glob
import json
import os
import shutil
import subprocess
import sys

from nsleak_testlib import Checks

AJV = "--ajv" in sys.argv
if AJV:
    sys.argv.remove("--ajv")


def main():
    c = Checks("schema-refs")
    d = c.path("reports", "schema")
    schemas = {os.path.basename(p): json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(d + "/*.json"))}
    for name, s in schemas.items():
        sid = s.get("$id", "")
        c.check(sid.startswith("https://") and sid.endswith("/" + name), "%s has an absolute $id ending in its file name" % name, sid)
    c.equal(len({s.get("$id") for s in schemas.values()}), len(schemas), "the $ids are distinct")
    if AJV and not shutil.which("ajv"):
        c.skip("ajv-cli is not installed (npm install -g ajv-cli)")
    c.require_namespaces()
    sj = os.path.join(c.tmp, "suite.json")
    p = c.run(["test", "scenarios/article", "--json", sj])
    c.equal(p.returncode, 0, "nsleak test scenarios/article passes and writes its suite report")
    suite_doc = json.load(open(sj, encoding="utf-8"))
    if AJV:
        p = subprocess.run(["ajv", "validate", "--spec=draft2020", "--strict=false", "-s", os.path.join(d, "suite.schema.json"),
                            "-r", os.path.join(d, "run.schema.json"), "-d", sj],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        c.equal(p.returncode, 0, "ajv validates the suite report, resolving run.schema.json by $id",
                ) or print(p.stdout.decode(errors="replace")[-3000:])
        bad = dict(suite_doc, runs=[dict(suite_doc["runs"][0], outcome="flaky")])
        bj = os.path.join(c.tmp, "bad.json")
        json.dump(bad, open(bj, "w"))
        p = subprocess.run(["ajv", "validate", "--spec=draft2020", "--strict=false", "-s", os.path.join(d, "suite.schema.json"),
                            "-r", os.path.join(d, "run.schema.json"), "-d", bj],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        c.check(p.returncode != 0, "ajv rejects a run outcome outside the run schema's enum (the $ref is followed)")
        c.finish()
    from jsonschema import Draft202012Validator
    suite = schemas["suite.schema.json"]
    try:  # jsonschema >= 4.18: a registry of the schemas under their own $id, nothing else
        from referencing import Registry, Resource
        registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
        v = Draft202012Validator(suite, registry=registry)
    except ImportError:  # jsonschema 4.10: a store keyed by $id
        from jsonschema import RefResolver
        v = Draft202012Validator(suite, resolver=RefResolver.from_schema(suite, store={s["$id"]: s for s in schemas.values()}))
    errs = [e.message[:200] for e in v.iter_errors(suite_doc)]
    c.equal(errs, [], "python3-jsonschema validates the suite report, resolving run.schema.json by $id")
    bad = dict(suite_doc, runs=[dict(suite_doc["runs"][0], outcome="flaky")])
    c.check(bool(list(v.iter_errors(bad))), "python3-jsonschema follows the $ref (a bad run outcome is rejected)")
    c.finish()


if __name__ == "__main__":
    main()
