#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Every bundled scenario's `ksmsim run --json` (those CTest runs with `run`:
# scenarios/**/*.yaml but explore/, regressions/ also on v3.9) and the JSON
# tests of tests/data/json/ must validate against
# docs/json-schema/run.schema.json, with "format_version" first; exit 1 is
# fine (the JSON must still validate), any other status is not. `ksmsim
# diff --json` on the bundled traces must validate against diff.schema.json.
# scenarios/basics/ also run with --cost (a `cost` member, timeline columns).
#
# usage: json_schema_check.py KSMSIM SOURCE_DIR WORK_DIR
# Needs Debian's python3-jsonschema (tools/setup).
import json
import pathlib
import re
import shutil
import subprocess
import sys

import jsonschema

ksmsim, source, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
schemas = source / "docs" / "json-schema"
failed = []


def validator(name):
    schema = json.loads((schemas / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(v, path, what):
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"), object_pairs_hook=list)
    except (UnicodeDecodeError, ValueError) as e:
        failed.append(f"{what}: not JSON: {e}")
        return None
    plain = json.loads(path.read_text())
    errors = sorted(v.iter_errors(plain), key=lambda e: list(e.path))
    for e in errors[:5]:
        failed.append(f"{what}: {'/'.join(map(str, e.path))}: {e.message}")
    return doc


def ksmsim_run(args, out, what, allowed=(0, 1)):
    p = subprocess.run([ksmsim, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode not in allowed:
        failed.append(f"{what}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
        return False
    return out.exists()


run = validator("run.schema.json")
dump = validator("dump.schema.json")
timeline = validator("timeline-row.schema.json")
# A scenario of a kernel this build has no profile for (its `kernel:` line
# not in --list-kernels: a profile still being written) is left out, as
# CTest does not register it.
built = {
    line.split()[0]
    for line in subprocess.run([ksmsim, "--list-kernels"], capture_output=True, text=True).stdout.splitlines()
    if line.strip()
}


def built_kernel(path):
    m = re.search(r"^kernel:[ ]*(v[0-9.]+)", path.read_text(), re.MULTILINE)
    return m is None or m.group(1) in built


scenarios = sorted(
    p
    for p in (source / "scenarios").rglob("*.yaml")
    if "explore" not in p.relative_to(source).parts and built_kernel(p)
)
scenarios += sorted((source / "tests" / "data" / "json").glob("*.yaml"))
runs = 0
for scn in scenarios:
    rel = scn.relative_to(source).as_posix()
    profiles = [[]]
    if rel.startswith("scenarios/regressions/"):
        profiles.append(["--kernel", "v3.9", "--strict"])
    if rel.startswith("scenarios/basics/"):  # with a cost model: the cost member and columns
        profiles.append(["--cost", "linux-6.18-amd-epyc"])
    for extra in profiles:
        out, rows, dumps = work / "run.json", work / "timeline.jsonl", work / "dumps"
        out.unlink(missing_ok=True)
        rows.unlink(missing_ok=True)
        shutil.rmtree(dumps, ignore_errors=True)
        what = " ".join([rel, *extra])
        args = ["run", str(scn), "--quiet", "--json", str(out), "--timeline", str(rows),
                "--dump-each", "checkpoint", "--dump-format", "json", "--dump-dir", str(dumps)]
        if not ksmsim_run([*args, *extra], out, what):
            continue
        doc = check(run, out, what)
        runs += 1
        if doc is not None and (not doc or doc[0][0] != "format_version"):
            failed.append(f"{what}: the first member is not format_version")
        if doc is not None and ("--cost" in extra) != any(k == "cost" for k, _ in doc):
            failed.append(f"{what}: a cost member {'missing' if '--cost' in extra else 'without --cost'}")
        for d in sorted(dumps.glob("*.json")):
            check(dump, d, f"{what}: {d.name}")
            runs += 1
        for n, line in enumerate(rows.read_text().splitlines() if rows.exists() else [], 1):
            row = work / "row.json"
            row.write_text(line)
            check(timeline, row, f"{what}: timeline line {n}")

diff = validator("diff.schema.json")
traces = []
for name in ["basics/fork-cow.yaml", "basics/merge-two-processes.yaml"]:
    t = work / (pathlib.Path(name).stem + ".trace")
    ksmsim_run(["run", str(source / "scenarios" / name), "--quiet", "--trace", str(t)], t, name)
    traces.append(str(t))
live = source / "tests" / "data" / "live"
pairs = [
    (traces[0], traces[1]),
    (traces[0], traces[0]),
    (str(live / "ksm-merge-unmerge-6.18.trace"), str(live / "ksm-merge-unmerge-alive-6.18.trace")),
    (traces[1], str(source / "tests" / "data" / "trace-cmd" / "ksm-merge-unmerge-6.18.report")),
]
for a, b in pairs:
    out = work / "diff.json"
    out.unlink(missing_ok=True)
    if ksmsim_run(["diff", a, b, "--json", str(out)], out, f"diff {a} {b}"):
        check(diff, out, f"diff {a} {b}")
        runs += 1

for f in failed:
    print(f)
print(f"{runs} JSON documents checked, {len(failed)} problems")
sys.exit(1 if failed or runs == 0 else 0)
