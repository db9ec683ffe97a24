// SPDX-License-Identifier: GPL-2.0-only
//
// Interleavings at preemption points: placement, refusal by the kernel's
// locks, bad point names, points never reached, and the fix switches.
#include "catch.h"

#include <fstream>
#include <sstream>
#include <string>

#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/lib/points.h"

using namespace ksmsim;

namespace {

// A and B share one KSM page after two full scans.
const std::string kMerged = R"(scenario: t
machine: {nodes: 2, swap_pages: 16}
ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 1}
  - write: {mm: A, vma: heap, pages: 0, fill: 'f'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - spawn: B
  - mmap: {mm: B, vma: heap, pages: 1}
  - write: {mm: B, vma: heap, pages: 0, fill: 'f'}
  - madvise: {mm: B, vma: heap, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
)";

RunResult run(const std::string &steps, const std::string &kernel = "v3.9") {
  RunOptions opt;
  opt.kernel = kernel;
  return run_scenario(scenario::parse_text(kMerged + steps, "t.yaml"), opt);
}

std::string error_of(const std::string &steps) {
  try {
    run(steps);
  } catch (const scenario::ScenarioError &e) {
    return e.what();
  }
  return "";
}

const std::string kForkDuringUnmerge = R"(  - sysfs: {run: 2}
    interleave:
      - point: unmerge_and_remove_all_rmap_items:next_mm
        after: 1
        steps:
          - fork: {parent: B, child: C}
  - expect: {page: {mm: C, vma: heap, page: 0, ksm: true}}
)";

} // namespace

TEST_CASE("a fork behind the unmerge cursor keeps its KSM page without the fix", "[interleave]") {
  RunResult without = run(kForkDuringUnmerge, "v3.9 without unmerge-enter-at-tail");
  REQUIRE(without.oopses.size() == 1); // run=2's sweep warns once
  CHECK(without.oopses.front().find("remove_stable_node") != std::string::npos);
  RunResult with = run(kForkDuringUnmerge, "v3.9");
  CHECK(with.oopses.empty());
  CHECK(with.exit_code == 1); // C's page is no longer KSM: the expectation fails
}

TEST_CASE("an interleaving the kernel's locks forbid is refused, naming the lock", "[interleave]") {
  // break_ksm runs under A's mmap_sem (read); a fork of A needs it for write.
  std::string e = error_of(R"(  - sysfs: {run: 2}
    interleave:
      - point: break_ksm:cond_resched
        after: 1
        steps:
          - fork: {parent: A, child: C}
)");
  CHECK(e.find("t.yaml:") == 0);
  CHECK(e.find("interleaving refused at break_ksm:cond_resched") != std::string::npos);
  CHECK(e.find("mmap_sem of A (held for read)") != std::string::npos);
}

TEST_CASE("a sysfs write while ksmd holds ksm_thread_mutex is refused", "[interleave]") {
  std::string e = error_of(R"(  - wait: {full_scans: 1}
    interleave:
      - point: ksm_do_scan:cond_resched
        after: 1
        steps:
          - sysfs: {run: 2}
)");
  CHECK(e.find("ksm_thread_mutex") != std::string::npos);
}

TEST_CASE("an unknown point name is a defect of the scenario", "[interleave]") {
  std::string e = error_of(R"(  - sysfs: {run: 2}
    interleave:
      - point: no_such_function:anywhere
        steps:
          - spawn: X
)");
  CHECK(e.find("t.yaml:17:9:") == 0);
  CHECK(e.find("unknown preemption point 'no_such_function:anywhere'") != std::string::npos);
}

TEST_CASE("a point never reached as often as asked is a defect of the scenario", "[interleave]") {
  std::string e = error_of(R"(  - sysfs: {run: 2}
    interleave:
      - point: unmerge_and_remove_all_rmap_items:next_mm
        after: 3
        steps:
          - spawn: X
)");
  CHECK(e.find("was reached 2 time(s) during this step, so after: 3 never came") !=
        std::string::npos);
}

TEST_CASE("steps at a preemption point cannot advance time", "[interleave]") {
  std::string e = error_of(R"(  - sysfs: {run: 2}
    interleave:
      - point: unmerge_and_remove_all_rmap_items:next_mm
        steps:
          - sleep: 10ms
)");
  CHECK(e.find("cannot advance virtual time") != std::string::npos);
}

TEST_CASE("list_points counts the points each step reaches", "[interleave]") {
  RunOptions opt;
  opt.list_points = true;
  RunResult r =
      run_scenario(scenario::parse_text(kMerged + "  - sysfs: {run: 2}\n", "t.yaml"), opt);
  // step 11 is run=2: two mms, each left through next_mm
  REQUIRE(r.points.count(11));
  CHECK(r.points.at(11).at("unmerge_and_remove_all_rmap_items:next_mm") == 2);
  CHECK(r.points.at(11).at("unmerge_and_remove_all_rmap_items:start") == 1);
  for (const auto &[step, points] : r.points)
    for (const auto &[name, count] : points)
      CHECK(is_preemption_point(name));
}

TEST_CASE("explore finds the fork race without the fix and nothing with it",
          "[interleave][explore]") {
  const std::string text = kMerged + R"(  - sysfs: {run: 2}
    interleave:
      explore: true
      steps:
        - fork: {parent: B, child: C}
)";
  scenario::Scenario s = scenario::parse_text(text, "t.yaml");
  ExploreOptions eo;
  eo.run.kernel = "v3.9 without unmerge-enter-at-tail";
  ExploreResult without = explore(s, text, eo);
  CHECK(without.occurrences == without.runs.size());
  REQUIRE(without.findings() > 0);
  for (const Placement &p : without.runs) {
    if (p.outcome != Placement::Outcome::Oops)
      continue;
    // The ready-to-run scenario names the point and replays to the same oops.
    CHECK(p.scenario.find("point: " + p.point) != std::string::npos);
    RunResult again = run_scenario(scenario::parse_text(p.scenario, "found.yaml"), eo.run);
    CHECK(!again.oopses.empty());
  }
  eo.run.kernel = "v3.9";
  CHECK(explore(s, text, eo).findings() == 0);
}

TEST_CASE("explore samples at most max_runs placements, the same ones every time", "[explore]") {
  const std::string text = kMerged + R"(  - sysfs: {run: 2}
    interleave:
      explore: true
      steps:
        - spawn: X
)";
  scenario::Scenario s = scenario::parse_text(text, "t.yaml");
  ExploreOptions eo;
  eo.max_runs = 3;
  ExploreResult a = explore(s, text, eo), b = explore(s, text, eo);
  REQUIRE(a.runs.size() == 3);
  CHECK(a.occurrences > 3);
  for (std::size_t i = 0; i < 3; i++) {
    CHECK(a.runs[i].point == b.runs[i].point);
    CHECK(a.runs[i].after == b.runs[i].after);
  }
}

TEST_CASE("docs/preemption-points.md lists every point", "[interleave][docs]") {
  std::ifstream doc(std::string(KSMSIM_SOURCE_DIR) + "/docs/preemption-points.md");
  std::stringstream text;
  text << doc.rdbuf();
  for (const PreemptionPoint &p : preemption_points())
    CHECK(text.str().find(std::string("`") + p.name + "`") != std::string::npos);
}

TEST_CASE("a process cannot exit while it is inside its own step", "[interleave]") {
  // C is inside do_swap_page (its own read fault) at the point: its exit
  // (final mmput) cannot come then; B's can, and another thread of C may
  // write.
  const std::string faulting = R"(
  - spawn: C
  - mmap: {mm: C, vma: heap, pages: 1}
  - write: {mm: C, vma: heap, pages: 0, fill: 'c'}
  - swapout: {mm: C, vma: heap, pages: 0}
  - read: {mm: C, vma: heap, pages: 0}
    interleave:
      - point: do_swap_page:lock_page
        steps:
)";
  CHECK_THAT(error_of(faulting + "          - exit: C\n"),
             catch_compat::Contains("interleaving refused at do_swap_page:lock_page: C is "
                                    "interrupted there inside its own read, so its exit"));
  CHECK(error_of(faulting + "          - exit: B\n").empty());
  CHECK(
      error_of(faulting + "          - write: {mm: C, vma: heap, pages: 0, fill: 'd'}\n").empty());
}
