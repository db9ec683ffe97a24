#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""tools/calibrate's arithmetic (tools/calibrate_solve.py) on synthetic data:
the fit finds the costs that made the data, stays non-negative, and the cost
file it writes is one ksmsim reads (checked by test_cost_model's parser when
given a binary: argv[1])."""
import os, subprocess, sys, tempfile, unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import calibrate_solve as solve  # noqa: E402
import calibrate_workloads as wl  # noqa: E402


class Solve(unittest.TestCase):
    def test_linear(self):
        # 2x + y = 5, x + 3y = 10: x = 1, y = 3
        x = solve.solve_linear([[2.0, 1.0], [1.0, 3.0]], [5.0, 10.0])
        self.assertAlmostEqual(x[0], 1.0)
        self.assertAlmostEqual(x[1], 3.0)
        self.assertIsNone(solve.solve_linear([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0]))

    def test_fit_recovers_the_costs(self):
        # Synthetic scans: t = 300 ns a page + 500 a checksum + 0.1 a memcmp byte + 1000 a batch.
        truth = {"pages_scanned": 300.0, "checksums": 500.0, "memcmp_bytes": 0.1, "batch": 1000.0}
        samples = []
        for pages, sums, nbytes, batches in ((1000, 1000, 0, 10), (1000, 10, 4_096_000, 10),
                                             (5000, 5000, 40_000, 50), (2000, 0, 8_192_000, 2),
                                             (3000, 1500, 100, 300)):
            ops = {"pages_scanned": pages, "checksums": sums, "memcmp_bytes": nbytes}
            t = sum(truth[k] * ops.get(k, 0) for k in truth if k != "batch") + truth["batch"] * batches
            samples.append((ops, batches, t))
        got = solve.fit(samples, ("pages_scanned", "checksums", "memcmp_bytes", "batch"))
        for k, v in truth.items():
            self.assertAlmostEqual(got[k], v, delta=v * 1e-6)
        self.assertEqual(got["replace_pages"], 0.0)  # not fitted
        self.assertEqual(set(got), set(solve.OPS))

    def test_fit_never_negative(self):
        # The data are exactly t = 100 p - 10 c, checksums at -10:
        # the non-negative one drops it.
        samples = [({"pages_scanned": 10, "checksums": 10}, 1, 900.0),
                   ({"pages_scanned": 10, "checksums": 0}, 1, 1000.0),
                   ({"pages_scanned": 20, "checksums": 5}, 1, 1950.0)]
        got = solve.fit(samples, ("pages_scanned", "checksums"))
        self.assertEqual(got["checksums"], 0.0)
        self.assertGreater(got["pages_scanned"], 0.0)

    def test_a_column_the_data_cannot_see(self):
        samples = [({"pages_scanned": 10}, 1, 100.0), ({"pages_scanned": 20}, 1, 200.0)]
        got = solve.fit(samples, ("pages_scanned", "stable_levels"))
        self.assertAlmostEqual(got["pages_scanned"], 10.0)
        self.assertEqual(got["stable_levels"], 0.0)

    def test_sleep(self):
        # (real ns, cpu ns, sleeps): (130 - 10) / 5 - 20 = 4 ms, (250 - 50) / 8 - 20 = 5 ms
        got = solve.fit_sleep([(130e6, 10e6, 5), (250e6, 50e6, 8)], 20)
        self.assertAlmostEqual(got, 4.5e6)
        self.assertEqual(solve.fit_sleep([(100e6, 0, 5)], 20), 0.0)  # never below 0

    def test_the_file_ksmsim_reads(self):
        text = solve.cost_file_text({"pages_scanned": 1.23456, "batch": 7}, "t-1", 'K "x"', "C",
                                    "D", "H")
        self.assertIn("  pages_scanned: 1.235\n", text)
        self.assertIn('kernel: "K \\"x\\""\n', text)
        if len(sys.argv) > 1:
            with tempfile.TemporaryDirectory() as tmp:
                model = os.path.join(tmp, "m.yaml")
                with open(model, "w") as f:
                    f.write(text)
                scen = os.path.join(tmp, "s.yaml")
                with open(scen, "w") as f:
                    f.write("scenario: s\nsteps:\n  - spawn: A\n")
                r = subprocess.run([BINARY, "run", scen, "--cost", model], capture_output=True,
                                   text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("cost model: t-1", r.stdout)


class Workloads(unittest.TestCase):
    def test_volatile_is_rewritten_between_scans(self):
        # Each full scan after the first finds every page changed: in
        # cmp_and_merge_page the checksum differs from oldchecksum, so the
        # page goes into no tree (ksm.c: pages_volatile = rmap_items - the
        # three others), and no scan but the first allocates rmap_items.
        text = wl.scenario("volatile", 64, 100, 20, scans=3)
        waits = [i for i, l in enumerate(text.splitlines()) if "wait:" in l]
        writes = [i for i, l in enumerate(text.splitlines()) if "random: " in l]
        self.assertEqual(len(waits), 3)
        self.assertEqual(len(writes), 3)  # the first write, then one after each of 2 scans
        self.assertTrue(waits[0] < writes[1] < waits[1] < writes[2] < waits[2])
        self.assertEqual(len({wl.rewrite_seed(k) for k in range(1, 4)} | {21}), 4)
        if BINARY:
            with tempfile.TemporaryDirectory() as tmp:
                scen = os.path.join(tmp, "v.yaml")
                with open(scen, "w") as f:
                    f.write(text)
                r = subprocess.run([BINARY, "run", scen], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("pages_unshared 0, pages_volatile 64, full_scans 3", r.stdout)

    def test_bytes_match_the_scenario(self):
        # page i of a rewritten version is the scenario's random form
        b = b"".join(wl.process_bytes([(2, "random", wl.rewrite_seed(1))]))
        self.assertEqual(b[4096:4104], wl.splitmix64(wl.rewrite_seed(1) + 1).to_bytes(8, "big"))


if __name__ == "__main__":
    BINARY = sys.argv[1] if len(sys.argv) > 1 else None
    unittest.main(argv=sys.argv[:1])
