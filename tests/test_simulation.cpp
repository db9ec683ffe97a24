// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the library's facade, include/ksmsim/simulation.h (sim/api/):
// loading from a string and a file, stepping, the counters and the trees'
// shape between steps, the trace callback, dumps, finish() and errors.
#include "catch.h"

#include <string>
#include <utility>
#include <vector>

#include "ksmsim/simulation.h"

using namespace ksmsim;

namespace {

// The README's short example: 128 pages of 'a' in A and its child B.
const char *FORK_MERGE = R"(scenario: fork-merge
machine: {nodes: 1}
ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 64}
  - write: {mm: A, vma: heap, pages: all, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - fork: {parent: A, child: B}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - expect: {pages_shared: 1, pages_sharing: 127, oops: none, invariants: ok}
)";

} // namespace

TEST_CASE("simulation: a scenario from a string, step by step") {
  Simulation sim = Simulation::from_text(FORK_MERGE, "fork-merge.yaml");
  CHECK(sim.step_count() == 8);
  CHECK(sim.steps_done() == 0);
  CHECK(sim.next_step_kind() == "spawn");
  CHECK(sim.sysfs("run") == 0u);
  CHECK(sim.sysfs("pages_to_scan") == 1000u);
  CHECK_FALSE(sim.sysfs("no_such_file"));
  for (int i = 0; i < 6; i++)
    REQUIRE(sim.step());
  CHECK(sim.next_step_kind() == "wait");
  CHECK(sim.sysfs("run") == 1u);
  KsmCounters before = sim.counters();
  CHECK(before.pages_sharing == 0);
  CHECK(before.full_scans == 0);
  REQUIRE(sim.step()); // wait: {full_scans: 2}
  KsmCounters c = sim.counters();
  CHECK(c.pages_shared == 1);
  CHECK(c.pages_sharing == 127);
  CHECK(c.full_scans == 2);
  CHECK(c.stable_nodes == 1);
  CHECK(c.rmap_items == 128);
  KsmState st = sim.state();
  CHECK(st.stable_tree_nodes == 1);
  CHECK(st.unstable_tree_nodes == 0);
  CHECK(st.mm_slots == 2);
  CHECK(st.time_us > 0);
  REQUIRE(sim.step()); // expect
  CHECK(sim.done());
  CHECK_FALSE(sim.step());
  CHECK(sim.next_step_kind().empty());
  RunResult r = sim.finish();
  CHECK(r.exit_code == 0);
  REQUIRE(r.checkpoints.size() == 1);
  CHECK(r.checkpoints[0].counters.at("pages_sharing") == 127);
  // finish() again gives the same result; nothing runs after it.
  CHECK(sim.finish().summary == r.summary);
  CHECK(sim.scan_pages(100) == 0);
}

TEST_CASE("simulation: a bundled scenario from a file, run_to_end, moved") {
  Simulation a = Simulation::from_file(std::string(KSMSIM_SOURCE_DIR) +
                                       "/scenarios/basics/merge-two-processes.yaml");
  Simulation sim = std::move(a);
  RunResult r = sim.run_to_end();
  CHECK(r.exit_code == 0);
  CHECK(sim.counters().pages_sharing == 127);
  CHECK(sim.done());
}

TEST_CASE("simulation: ksmd scans pages between steps") {
  Simulation sim = Simulation::from_text(FORK_MERGE, "fork-merge.yaml");
  for (int i = 0; i < 6; i++)
    sim.step();
  CHECK(sim.scan_pages(64) == 64); // A's heap: checksums recorded
  CHECK(sim.state().scan_mm == "A");
  CHECK(sim.counters().rmap_items == 64);
  // The first full scan only records checksums; the second merges.
  int calls = 0;
  while (sim.counters().full_scans < 2 && calls++ < 10)
    sim.scan_pages(64);
  CHECK(sim.counters().pages_sharing == 127);
  CHECK(sim.state().scan_mm.empty()); // between full scans
}

TEST_CASE("simulation: the trace callback sees every event as it is emitted") {
  std::vector<std::pair<std::string, std::string>> events;
  int ksmd = 0;
  SimulationOptions opt;
  opt.on_trace = [&](const TraceEvent &e) {
    events.emplace_back(std::string(e.event), std::string(e.text));
    ksmd += e.task == "ksmd";
  };
  Simulation sim = Simulation::from_text(FORK_MERGE, "fork-merge.yaml", opt);
  // The initial ksm: writes happen while the simulation is built.
  REQUIRE(!events.empty());
  CHECK(events.front().first == "ksmsim_sysfs_write");
  sim.run_to_end();
  int merges = 0, steps = 0;
  for (const auto &[event, text] : events) {
    merges += event == "ksm_merge_with_ksm_page";
    steps += event == "ksmsim_step";
  }
  CHECK(steps == 8);
  CHECK(merges == 128); // try_to_merge_with_ksm_page, once for each mapping
  CHECK(ksmd > 0);
  CHECK(sim.finish().trace.empty()); // the lines went to the callback only
}

TEST_CASE("simulation: dumps in every format, and an unknown one") {
  Simulation sim = Simulation::from_text(FORK_MERGE, "fork-merge.yaml");
  sim.run_to_end();
  CHECK_THAT(sim.dump(), catch_compat::Contains("stable"));
  CHECK_THAT(sim.dump("json"), catch_compat::Contains("{"));
  CHECK_THAT(sim.dump("dot"), catch_compat::Contains("digraph"));
  CHECK_THROWS_AS(sim.dump("png"), std::invalid_argument);
}

TEST_CASE("simulation: a wrong scenario throws ScenarioError with its place") {
  CHECK_THROWS_WITH(Simulation::from_text("scenario: x\nsteps:\n  - frobnicate: 1\n", "bad.yaml"),
                    catch_compat::Contains("bad.yaml:3:"));
  CHECK_THROWS_AS(Simulation::from_file("/nonexistent/scenario.yaml"), scenario::ScenarioError);
  SimulationOptions opt;
  opt.kernel = "v3.9 without no-such-fix";
  CHECK_THROWS_AS(Simulation::from_text(FORK_MERGE, "fork-merge.yaml", opt),
                  scenario::ScenarioError);
}
