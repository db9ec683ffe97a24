#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The progress line of `ksmsim run` and `ksmsim explore`: on a terminal
(stderr a pty) it appears, redrawn with '\\r' and cleared at the end, and
stdout is the same as without one; when stderr is not a terminal, nothing
at all is written there.
Usage: progress-on-a-terminal.py KSMSIM SOURCE_DIR"""
import os, pty, subprocess, sys

ksmsim, src = sys.argv[1], sys.argv[2]
run_scn = os.path.join(src, "scenarios/basics/merge-two-processes.yaml")
explore_scn = os.path.join(src, "scenarios/explore/clean/exit-during-scan.yaml")
failed = []

def check(what, ok):
    if not ok:
        failed.append(what)

def on_pty(args):
    master, slave = pty.openpty()
    p = subprocess.Popen([ksmsim] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, cwd=os.environ.get("TMPDIR", "/tmp"))
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read()
    p.wait()
    os.close(master)
    return p.returncode, out, err

def on_pipe(args):
    p = subprocess.run([ksmsim] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       cwd=os.environ.get("TMPDIR", "/tmp"))
    return p.returncode, p.stdout, p.stderr

for args, line in ((["run", run_scn], b"\rrun: "), (["explore", explore_scn], b"\rexplore: ")):
    code, out, err = on_pty(args)
    pcode, pout, perr = on_pipe(args)
    name = " ".join(args[:1])
    check(f"{name}: exit {code} on a terminal, {pcode} without", code == pcode == 0)
    check(f"{name}: the progress line on a terminal: {err!r}", line in err)
    check(f"{name}: the line is cleared at the end: {err!r}", err.endswith(b"\r"))
    check(f"{name}: stdout differs on a terminal", out == pout)
    check(f"{name}: stderr not a terminal: {perr!r}", perr == b"")
code, out, err = on_pty(["run", run_scn])
check(f"run: virtual time and full scans: {err!r}", b"virtual time" in err and b"full scan" in err)
# -v: each step on stderr, terminal or not.
code, out, err = on_pipe(["run", run_scn, "-v"])
check(f"run -v: a line per step: {err!r}", err.startswith(b"step 1/") and b"\r" not in err)

for f in failed:
    print("FAIL:", f)
sys.exit(1 if failed else 0)
