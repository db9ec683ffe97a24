# SPDX-License-Identifier: GPL-2.0-only
"""tools/calibrate's arithmetic, kept apart so that it can be tested
(tests/calibrate_solve_test.py): the cost file's text and the fit of
per-operation costs to measured CPU times (non-negative least squares,
Lawson and Hanson's active set method on the normal equations)."""

# The cost file's operations (model/ksm/v3.9/ksm_ops.h), then the per-batch cost.
OPS = ("pages_scanned", "follow_page", "checksums", "memcmp_calls", "memcmp_bytes",
       "stable_levels", "unstable_levels", "write_protects", "replace_pages", "rmap_allocs",
       "rmap_frees", "stable_allocs", "mm_slots", "cond_rescheds", "full_scans", "batch", "sleep")

# What the live workloads can tell apart; the others stay 0 (folded into
# these: follow_page and memcmp_calls into the tree levels, write_protects
# into replace_pages, cond_rescheds into pages_scanned).
FITTED = ("pages_scanned", "checksums", "rmap_allocs", "unstable_levels", "stable_levels",
          "memcmp_bytes", "replace_pages", "mm_slots", "batch")


def solve_linear(a, b):
    """x with a x = b (Gaussian elimination, partial pivoting); None if singular."""
    n = len(a)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-12 * max(1.0, max(abs(v) for row in m for v in row[:n])):
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def lstsq(a, y, cols):
    """Least squares of a x = y on the columns in cols; None if singular."""
    k = len(cols)
    ata = [[sum(r[ci] * r[cj] for r in a) for cj in cols] for ci in cols]
    aty = [sum(r[ci] * t for r, t in zip(a, y)) for ci in cols]
    return solve_linear(ata, aty) if k else []


def nnls(rows, y):
    """Non-negative least squares on relative errors: x >= 0 minimising
    sum ((row . x - t) / t)^2 (Lawson and Hanson's active set method; the
    columns scaled to a largest entry of 1 for the tolerances)."""
    n = len(rows[0])
    a = [[v / t if t else v for v in r] for r, t in zip(rows, y)]
    b = [1.0 if t else 0.0 for t in y]
    scale = [max(abs(r[c]) for r in a) or 1.0 for c in range(n)]
    a = [[r[c] / scale[c] for c in range(n)] for r in a]
    x = [0.0] * n
    passive, excluded = [], []
    tol = 1e-10
    for _ in range(3 * n + 10):
        resid = [bi - sum(ri[c] * x[c] for c in range(n)) for ri, bi in zip(a, b)]
        w = [sum(ri[c] * e for ri, e in zip(a, resid)) for c in range(n)]
        free = [c for c in range(n)
                if c not in passive and c not in excluded and max(abs(r[c]) for r in a) > 0]
        if not free or max(w[c] for c in free) <= tol:
            break
        passive.append(max(free, key=lambda c: w[c]))
        while True:
            z = lstsq(a, b, passive)
            if z is None:  # a column the others already explain: leave it out
                excluded.append(passive.pop())
                break
            if min(z) > tol:
                for c, v in zip(passive, z):
                    x[c] = v
                break
            alpha = min(x[c] / (x[c] - v) for c, v in zip(passive, z) if v <= tol)
            for c, v in zip(passive, z):
                x[c] += alpha * (v - x[c])
            passive = [c for c in passive if x[c] > tol]
            for c in range(n):
                if c not in passive:
                    x[c] = 0.0
    return [x[c] / scale[c] for c in range(n)]


def fit(samples, fitted=FITTED):
    """samples: (ops: {name: count}, batches, measured_ns). The cost per
    operation in ns, for every name of OPS (0 for those not fitted)."""
    rows = [[(batches if name == "batch" else ops.get(name, 0)) for name in fitted]
            for ops, batches, _ in samples]
    x = nnls(rows, [t for _, _, t in samples])
    costs = {name: 0.0 for name in OPS}
    for name, v in zip(fitted, x):
        costs[name] = v
    return costs


def fit_sleep(scans, sleep_ms):
    """The mean time a sleep takes beyond sleep_millisecs, in ns, from
    (real ns, ksmd CPU ns, sleeps) per measured scan: (real - CPU) / sleeps
    - sleep_millisecs; never below 0."""
    extra = [(real - cpu) / n - sleep_ms * 1e6 for real, cpu, n in scans if n]
    return max(0.0, sum(extra) / len(extra)) if extra else 0.0


def cost_file_text(costs, name, kernel, cpu, date, how):
    def q(s):
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["# SPDX-License-Identifier: GPL-2.0-only",
             "# A ksmsim cost model (docs/cost-model.md): ns per operation of ksmd.",
             "cost_model: 1", f"name: {name}", f"kernel: {q(kernel)}", f"cpu: {q(cpu)}",
             f"date: {q(date)}", f"measured: {q(how)}", "ns:"]
    for op in OPS:
        lines.append(f"  {op}: {costs.get(op, 0):.3f}")
    return "\n".join(lines) + "\n"
