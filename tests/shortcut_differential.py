#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The simulator's shortcuts (docs/perf.md) must not change a byte: every
bundled scenario (the regressions also on the fixed profile) runs with its
trace and JSON as it is and with --no-shortcuts, and the exit status,
summary, trace and JSON must be the same. Then tools/fuzz's random
scenarios, compared the same way (--differential).

usage: shortcut_differential.py KSMSIM SOURCE_DIR"""
import os, subprocess, sys, tempfile


def outputs(ksmsim, path, extra, tmp):
    trace, js = os.path.join(tmp, "t.trace"), os.path.join(tmp, "t.json")
    p = subprocess.run([ksmsim, "run", path, "--trace", trace, "--json", js] + extra,
                       capture_output=True, timeout=600)
    got = [p.returncode, p.stdout, p.stderr]
    for f in (trace, js):
        got.append(open(f, "rb").read() if os.path.exists(f) else None)
        if os.path.exists(f):
            os.unlink(f)
    return got


def main():
    ksmsim, src = sys.argv[1], sys.argv[2]
    runs, bad = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for root, _, files in sorted(os.walk(os.path.join(src, "scenarios"))):
            for name in sorted(files):
                if not name.endswith(".yaml"):
                    continue
                path = os.path.join(root, name)
                profiles = [[]] + ([["--kernel", "v3.9"]] if "/regressions/" in path else [])
                for prof in profiles:
                    runs += 1
                    if outputs(ksmsim, path, prof, tmp) != outputs(ksmsim, path, prof + ["--no-shortcuts"], tmp):
                        bad.append(" ".join([path] + prof))
    for b in bad:
        print(f"differs with --no-shortcuts: {b}")
    print(f"{runs} bundled runs compared, {len(bad)} differ")
    fuzz = subprocess.run([sys.executable, os.path.join(src, "tools", "fuzz"), "--ksmsim", ksmsim,
                           "--runs", "150", "--seed", "7", "--differential"])
    sys.exit(1 if bad or fuzz.returncode else 0)


if __name__ == "__main__":
    main()
