#!/usr/bin/python3
"""Run and suite reports written by the real nsleak binary validate against
reports/schema/run.schema.json and suite.schema.json, using Debian's python3-jsonschema
(draft 2020-12). The schemas' enums are checked against what `nsleak list` prints, and
reports broken on purpose must be rejected, so a schema that accepts anything fails here.

Needs python3-jsonschema (>= 4, for draft 2020-12); without it this test FAILS.
"""

import copy
import json
import os
import pathlib
import shutil
import sys

from nsleak_testlib import Checks, json_documents

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # never a silent pass
    print("FAIL - python3-jsonschema with draft 2020-12 support is not installed for %s (%s): "
          "apt-get install python3-jsonschema" % (sys.executable, e))
    print("0 passed, 1 failed")
    sys.exit(1)


def validators(c):
    d = pathlib.Path(c.path("reports", "schema"))
    run = json.loads((d / "run.schema.json").read_text(encoding="utf-8"))
    suite = json.loads((d / "suite.schema.json").read_text(encoding="utf-8"))
    for name, s in (("run", run), ("suite", suite)):
        try:
            Draft202012Validator.check_schema(s)
            c.check(True, "%s.schema.json is a valid draft 2020-12 schema" % name)
        except jsonschema.exceptions.SchemaError as e:
            c.check(False, "%s.schema.json is a valid draft 2020-12 schema" % name, str(e))
    # The suite schema refers to run.schema.json by relative URI against its `$id`: the schemas
    # are registered under their own ids, never fetched from the network.
    store = {run["$id"]: run, suite["$id"]: suite}
    try:  # jsonschema >= 4.18 (Debian 13): the `referencing` registry; RefResolver is deprecated
        from referencing import Registry, Resource
        registry = Registry().with_resources((uri, Resource.from_contents(s)) for uri, s in store.items())

        def make(schema, name):
            return Draft202012Validator(schema, registry=registry)
    except ImportError:  # jsonschema 4.10 (Debian 12)
        from jsonschema import RefResolver

        def make(schema, name):
            return Draft202012Validator(schema, resolver=RefResolver.from_schema(schema, store=store))

    return run, make(run, "run.schema.json"), make(suite, "suite.schema.json")


def errors(v, doc):
    return ["%s: %s" % (e.json_path, e.message[:300]) for e in v.iter_errors(doc)]


def list_sections(c):
    """Verdict names, op names and state kinds as `nsleak list` prints them."""
    out = c.run(["list"]).stdout.decode()
    lines = out.split("\n")
    verdicts, ops, kinds = [], [], []
    section = None
    for line in lines:
        if line and not line.startswith(" "):
            section = line.strip()
            continue
        if section == "Verdicts:" and line.strip():
            verdicts.append(line.split()[0])
        if section == "Scenario ops:" and line.strip():
            ops.extend(line.split())
        if section is not None and section.startswith("State kinds") and line.strip():
            kinds.append(line.split()[0])
    return verdicts, ops, kinds


def main():
    c = Checks("schema")
    run_schema, run_v, suite_v = validators(c)

    verdicts, ops, state_kinds = list_sections(c)
    c.check({"net", "uts"} <= set(state_kinds), "`nsleak list` shows the state kinds", state_kinds)
    defs = run_schema["$defs"]
    c.equal(sorted(defs["verdictKind"]["enum"]), sorted(verdicts),
            "the schema's verdict kinds are exactly those of `nsleak list`")
    c.equal(sorted(defs["opName"]["enum"]), sorted(ops), "the schema's op names are exactly those of `nsleak list`")
    c.equal(defs["outcome"]["enum"], ["pass", "fail", "error", "crash", "timeout", "limit", "sandbox-violation"], "outcome enum")

    # Run reports: the article under every preset policy and a random schedule, the golden
    # scenarios, every op, a crash, a timeout, a failed expectation from a file whose name is
    # not UTF-8 and whose description holds markup, quotes and control characters.
    odd = os.path.join(c.tmp, b"we<i>rd&\"q'\xff.json".decode("utf-8", "surrogateescape"))
    shutil.copy(c.path("reports", "tests", "data", "special-chars.json"), odd)
    article = "scenarios/article/article-poisoned-main.json"
    cases = [
        ["run", article, "--policy", "all"],
        ["run", article, "--policy", "go1.9", "--policy", "strict-unlock", "--policy", "inherit-spawn",
         "--policy", "forbid-spawn", "--policy", "restore-or-die"],
        ["run", article, "--strategy", "random:7"],
        ["run", "fixtures/golden/exec-then-restore.json", "fixtures/golden/locked-exit.json", "--policy", "all"],
        ["run", "reports/tests/data/every-step.json"],
        ["run", "reports/tests/data/deadlock.json"],
        ["run", "reports/tests/data/spin.json", "--timeout", "0.2"],
        ["run", odd],
    ]
    outcomes = set()
    reports = []
    for args in cases:
        p = c.run(args + ["--format", "json"])
        shown = " ".join(a.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for a in args)
        try:
            docs = json_documents(p.stdout)
        except ValueError as e:
            c.check(False, "nsleak %s --format json prints JSON" % shown,
                    "%s\nexit %d\nstderr: %s" % (e, p.returncode, p.stderr.decode(errors="replace")[-2000:]))
            continue
        c.check(len(docs) >= 1 and p.returncode in (0, 1, 3),
                "nsleak %s --format json: %d report(s), exit %d" % (shown, len(docs), p.returncode),
                p.stderr.decode(errors="replace")[-2000:])
        for d in docs:
            errs = errors(run_v, d)
            c.check(not errs, "run report %s [%s] (%s) validates" % (d.get("scenario"), d.get("policy"), d.get("outcome")),
                    "\n".join(errs[:20]))
            outcomes.add(d.get("outcome"))
            reports.append(d)
    # The whole scenario library, every policy it names: many more shapes of trace. A scenario
    # that does not load is the library's problem (its own test reports it), not the schema's.
    library = sorted(str(p.relative_to(c.root)) for p in pathlib.Path(c.path("scenarios")).rglob("*.json"))
    bad_library, library_reports = [], 0
    for f in library:
        p = c.run(["run", f, "--policy", "all", "--format", "json"])
        if p.returncode == 2:
            bad_library.append(f)
            continue
        try:
            docs = json_documents(p.stdout)
        except ValueError as e:
            c.check(False, "nsleak run %s --policy all --format json prints JSON" % f, str(e))
            continue
        for d in docs:
            library_reports += 1
            errs = errors(run_v, d)
            if errs:
                c.check(False, "library run report %s [%s] validates" % (f, d.get("policy")), "\n".join(errs[:20]))
            reports.append(d)
    c.check(library_reports > 0 or not library, "every run report of the scenario library (%d from %d files) validates"
            % (library_reports, len(library) - len(bad_library)))
    if bad_library:
        print("note: scenarios that did not load, left to the scenario library's own test: " + ", ".join(bad_library))

    # Aggregated verdicts: one per (kind, thread, namespace), its count the sum of its
    # goroutines' counts, the representative being the first goroutine.
    agg = [v for r in reports for v in r["verdicts"]]
    c.check(all(v["count"] == v["occurrences"] for v in agg), "a verdict's count is its occurrences")
    c.check(all(not v["goroutines"] or (sum(s["count"] for s in v["goroutines"]) <= v["count"]
                                        and v["goroutines"][0]["g"] == v["g"]
                                        and v["goroutines"][0]["provenance"] == v["provenance"]) for v in agg),
            "a verdict's goroutines add up to at most its count (the rest involved no goroutine), the first one being the verdict's own")
    for r in reports:
        keys = [(v["kind"], v["m"], v["ns"]) for v in r["verdicts"]]
        if len(keys) != len(set(keys)):
            c.check(False, "one verdict per (kind, thread, namespace) in %s [%s]" % (r["scenario"], r["policy"]), keys)

    # Per-kind data: keyed by the kinds `nsleak list` shows; `origin`/`ns` are the net entries.
    keys = {k for r in reports for k in r["origins"]} | {k for r in reports for t in r["threads"] for k in t["kinds"]}
    c.equal(sorted(keys - set(state_kinds)), [], "per-kind report keys are state kinds of `nsleak list`")
    c.check(all(r["origins"].get("net", "") == r["origin"] for r in reports), "origins.net is origin in every report")
    c.check(all(t["kinds"].get("net", "") == t["ns"] for r in reports for t in r["threads"]),
            "a thread's kinds.net is its ns in every report")
    c.check(any("uts" in r["origins"] for r in reports) or any("environment_error" in r for r in reports),
            "some report carries a second kind (uts) in origins")

    env_error = any("environment_error" in r for r in reports)
    if env_error:
        print("note: this machine cannot run namespaces; the reports carry the environment error")
    else:
        c.check({"pass", "fail", "crash", "timeout"} <= outcomes,
                "the cases cover outcomes pass, fail, crash and timeout", sorted(outcomes))
        steps = {s["op"] for r in reports for s in r["steps"]}
        c.equal(sorted(set(ops) - {"repeat"} - steps), [], "every op kind with a step was validated in some report")
        kinds = {v["kind"] for r in reports for v in r["verdicts"]}
        c.check(len(kinds) >= 6, "the reports show most verdict kinds (%s)" % ", ".join(sorted(kinds)))
        special = [r for r in reports if r["scenario"] == "special-chars"]
        if c.check(len(special) == 1, "the special-chars run is there"):
            c.check("\ufffd" in special[0]["file"] and "\ufffd" in special[0]["reproduce"],
                    "a file name that is not UTF-8 is reported with U+FFFD", special[0]["file"])
            c.check("\x07" in special[0]["description"] and "\x00" in special[0]["description"],
                    "the description is kept verbatim in JSON, control characters included")

    # Suite reports: unsharded, one shard, and a merge of both shards.
    paths = [article, "fixtures/golden", "reports/tests/data/deadlock.json", odd]
    suites = {}
    for label, extra in (("full", []), ("shard 1/2", ["--shard", "1/2"]), ("shard 2/2", ["--shard", "2/2"])):
        out = os.path.join(c.tmp, label.replace(" ", "-").replace("/", "of") + ".json")
        junit = out[:-5] + ".xml"
        p = c.run(["test"] + paths + extra + ["--json", out, "--junit", junit, "--jobs", "2"])
        try:
            with open(out, encoding="utf-8") as f:
                suites[label] = json.load(f)
        except (OSError, ValueError) as e:
            c.check(False, "nsleak test (%s) writes a suite report" % label,
                    "%s\nexit %d\nstdout: %s\nstderr: %s" % (e, p.returncode, p.stdout.decode(errors="replace")[-2000:],
                                                             p.stderr.decode(errors="replace")[-2000:]))
            continue
        errs = errors(suite_v, suites[label])
        c.check(not errs, "suite report (%s, %d runs) validates" % (label, len(suites[label]["runs"])),
                "\n".join(errs[:20]))
    if "shard 1/2" in suites and "shard 2/2" in suites:
        merged = os.path.join(c.tmp, "merged.json")
        p = c.run(["merge", os.path.join(c.tmp, "shard-1of2.json"), os.path.join(c.tmp, "shard-2of2.json"),
                   "--json", merged])
        try:
            with open(merged, encoding="utf-8") as f:
                m = json.load(f)
            errs = errors(suite_v, m)
            c.check(not errs, "merged suite report validates", "\n".join(errs[:20]))
        except (OSError, ValueError) as e:
            c.check(False, "nsleak merge writes a suite report", "%s\nstderr: %s" % (e, p.stderr.decode(errors="replace")))

    # Reports broken on purpose must be rejected: the schema is not vacuous.
    if reports:
        base = next((r for r in reports if r["verdicts"] and r["threads"] and r["steps"]), reports[0])
        broken = {
            "outcome not in the enum": lambda r: r.update(outcome="passed"),
            "verdicts missing": lambda r: r.pop("verdicts"),
            "an undocumented field": lambda r: r.update(extra=1),
            "schema version": lambda r: r.update(schema="nsleak/run/2"),
            "steps is required in a run report": lambda r: r.pop("steps"),
        }
        if base["verdicts"]:
            broken["unknown verdict kind"] = lambda r: r["verdicts"][0].update(kind="poisoned-everything")
            broken["verdict without provenance"] = lambda r: r["verdicts"][0].update(provenance=[])
            broken["verdict tid as a string"] = lambda r: r["verdicts"][0].update(tid="12")
            broken["verdict count of zero"] = lambda r: r["verdicts"][0].update(count=0)
            broken["verdict goroutine without its count"] = lambda r: r["verdicts"][0].update(
                goroutines=[{"g": 3, "op": "", "seq": 1, "provenance": ["x"]}])
            broken["verdict goroutines as ids"] = lambda r: r["verdicts"][0].update(goroutines=[3, 4])
        if base["threads"]:
            broken["thread state not in the enum"] = lambda r: r["threads"][0].update(state="zombie")
            broken["thread without final ns"] = lambda r: r["threads"][0].pop("ns")
        if base["steps"]:
            broken["step with an unknown op"] = lambda r: r["steps"][0].update(op="fork")
            broken["ns id that is not dev:ino"] = lambda r: r["steps"][0]["ns"].update(net="net:[4026531992]")
            get = next((s for s in base["steps"] if s["op"] == "get"), None)
            if get is not None:
                i = base["steps"].index(get)
                broken["get step without its id"] = lambda r: r["steps"][i].pop("id")
        for what, mutate in broken.items():
            r = copy.deepcopy(base)
            mutate(r)
            c.check(bool(errors(run_v, r)), "the run schema rejects a report with %s" % what)
        if "full" in suites and suites["full"]["runs"]:
            s = copy.deepcopy(suites["full"])
            s["runs"][0]["steps"] = base["steps"][:1] or [{}]
            c.check(bool(errors(suite_v, s)), "the suite schema rejects steps inside a suite run")
            s = copy.deepcopy(suites["full"])
            s["runs"][0].pop("story")
            c.check(bool(errors(suite_v, s)), "the suite schema rejects a run without its story")
            s = copy.deepcopy(suites["full"])
            s["runs"][0]["outcome"] = "flaky"
            c.check(bool(errors(suite_v, s)), "the suite schema checks runs against the run schema")
    c.finish()


if __name__ == "__main__":
    main()
