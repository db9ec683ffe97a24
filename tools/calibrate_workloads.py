# SPDX-License-Identifier: GPL-2.0-only
"""The workloads tools/calibrate measures, as ksmsim scenarios and as the
bytes the live processes write: the same pages on both sides.

A workload is a list of processes, each a list of page contents (the
scenario's content forms): ("fill", byte), ("random", seed) for a run of
pages (page i of the run gets splitmix64(seed + i)), ("late", n): fill 0x61
with bytes 4094 and 4095 set to n >> 8 and n & 0xff (pages that differ only
at their end, so memcmp compares the whole page).

A rewritten workload ("volatile") has its pages written anew after each
full scan but the last, so that every scan after the first finds each
page's checksum changed: a checksum a page and no rmap_item allocated,
which prices calc_checksum apart from alloc_rmap_item (every page's first
scan does both)."""

MIB = 1 << 20


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & (2**64 - 1)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    return z ^ (z >> 31)


def workload(name, pages):
    """(processes, forks): processes is a list of runs [(count, form, arg)]
    per process; forks: children forked from the first process (sharing
    all its pages) before KSM runs."""
    if name == "identical":
        return [[(pages, "fill", 0x61)]], 0
    if name == "dup4":
        q = pages // 4
        return [[(q, "fill", 0x61 + i) for i in range(4)]], 0
    if name == "distinct":
        return [[(pages, "random", 7)]], 0
    if name == "late":
        return [[(pages, "late", 0)]], 0
    if name == "forks":  # 4 processes mapping the same distinct pages: more rmap
        return [[(pages // 4, "random", 11)]], 3
    if name == "volatile":  # rewritten after each full scan: rewrite_seed
        return [[(pages, "random", 21)]], 0
    if name == "procs64":  # 64 processes, half of each one's pages in common
        per = pages // 64
        half = per // 2
        return [[(half, "random", 1), (per - half, "random", 1000 + k * per)] for k in range(64)], 0
    raise ValueError(name)


WORKLOADS = ("identical", "dup4", "distinct", "late", "forks", "procs64", "volatile")
REWRITTEN = ("volatile",)


def rewrite_seed(k):
    """The random seed of a rewritten workload's pages after full scan k
    (from 1): 10^6 apart, more than a workload has pages, so no page of one
    version equals a page of another."""
    return 21 + k * 1000000


def page_bytes(form, arg, i):
    if form == "fill":
        return bytes([arg]) * 4096
    if form == "random":
        return splitmix64(arg + i).to_bytes(8, "big") * 512
    n = arg + i
    return b"\x61" * 4094 + bytes([(n >> 8) & 0xFF, n & 0xFF])


def process_bytes(runs):
    """The bytes of each page of a process, in order."""
    for count, form, arg in runs:
        for i in range(count):
            yield page_bytes(form, arg, i)


def scenario(name, pages, pages_to_scan, sleep_ms, scans=2, cost=None):
    procs, forks = workload(name, pages)
    total = sum(c for p in procs for c, _, _ in p)
    lines = [f"scenario: calibrate-{name}",
             f"machine: {{nodes: 1, pages_per_node: {total + 4096}}}",
             f"ksm: {{run: 0, pages_to_scan: {pages_to_scan}, sleep_millisecs: {sleep_ms}}}"]
    if cost:
        lines.append(f"cost: {{model: {cost}}}")
    lines.append("steps:")
    for k, runs in enumerate(procs):
        mm = f"P{k}"
        n = sum(c for c, _, _ in runs)
        lines += [f"  - spawn: {mm}", f"  - mmap: {{mm: {mm}, vma: heap, pages: {n}}}"]
        first = 0
        for count, form, arg in runs:
            rng = f"{first}-{first + count - 1}"
            if form == "fill":
                lines.append(f"  - write: {{mm: {mm}, vma: heap, pages: {rng}, fill: {arg:#x}}}")
            elif form == "random":
                lines.append(f"  - write: {{mm: {mm}, vma: heap, pages: {rng}, random: {arg}}}")
            else:  # late: byte 4094 per run of 256 pages, byte 4095 per page residue
                lines.append(f"  - write: {{mm: {mm}, vma: heap, pages: {rng}, fill: 0x61}}")
                for hi in range((count + 255) // 256):
                    a, b = first + hi * 256, min(first + count, first + (hi + 1) * 256) - 1
                    lines.append(f"  - write: {{mm: {mm}, vma: heap, pages: {a}-{b}, "
                                 f"poke: {{offset: 4094, byte: {hi}}}}}")
                for lo in range(min(256, count)):
                    idx = ", ".join(str(first + j) for j in range(lo, count, 256))
                    lines.append(f"  - write: {{mm: {mm}, vma: heap, pages: [{idx}], "
                                 f"poke: {{offset: 4095, byte: {lo}}}}}")
            first += count
        lines.append(f"  - madvise: {{mm: {mm}, vma: heap, advice: mergeable}}")
    for f in range(forks):
        lines.append(f"  - fork: {{parent: P0, child: F{f}}}")
    lines.append("  - sysfs: {run: 1}")
    if name in REWRITTEN:
        # A full scan ends ksmd's batch (scan_get_next_rmap_item returns
        # NULL at the end of the mm list): the rewrite comes before the next
        # scan's first batch, as the live process's does.
        for k in range(1, scans):
            lines.append("  - wait: {full_scans: 1, timeout: 3600s}")
            for p, runs in enumerate(procs):
                n = sum(c for c, _, _ in runs)
                lines.append(f"  - write: {{mm: P{p}, vma: heap, pages: 0-{n - 1}, random: {rewrite_seed(k)}}}")
        lines.append("  - wait: {full_scans: 1, timeout: 3600s}")
    else:
        lines.append(f"  - wait: {{full_scans: {scans}, timeout: 3600s}}")
    return "\n".join(lines) + "\n"
