// SPDX-License-Identifier: GPL-2.0-only
//
// explore --emit-regression (the regression files and the text edits that
// make them), explore --verbose's refused placements, --kernel all's
// table, and the progress line (its text, its throttle, the runner's hook).
#include "tests/catch.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ksmsim/emit_regression.h"
#include "ksmsim/every_profile.h"
#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/io/progress_meter.h"
#include "sim/report/progress_line.h"
#include "sim/run/scenario_text_edit.h"
#include "tests/run_cli.h"

using namespace ksmsim;

namespace {

std::string read_source(const std::string &rel) {
  std::ifstream f(std::string(KSMSIM_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

} // namespace

TEST_CASE("replace_kernel_entry: flow, block and missing kernel entries", "[explore][emit]") {
  std::string flow = "scenario: x\nkernel: {version: v3.9, without: [uptodate-copy]}\n"
                     "machine: {nodes: 1}\nsteps:\n  - spawn: A\n";
  REQUIRE(replace_kernel_entry(flow, "kernel: v3.9"));
  CHECK(flow == "scenario: x\nkernel: v3.9\nmachine: {nodes: 1}\nsteps:\n  - spawn: A\n");

  std::string block = "scenario: x\nkernel:\n  version: v3.9\n  without: [uptodate-copy]\n\n"
                      "# the steps\nsteps:\n- spawn: A\n";
  REQUIRE(replace_kernel_entry(block, "kernel: v3.9"));
  CHECK(block == "scenario: x\nkernel: v3.9\n\n# the steps\nsteps:\n- spawn: A\n");

  std::string none = "scenario: x\nsteps:\n  - spawn: A\n";
  REQUIRE(replace_kernel_entry(none, "kernel: v3.9"));
  CHECK(none == "scenario: x\nkernel: v3.9\nsteps:\n  - spawn: A\n");

  std::string no_steps = "scenario: x\n";
  CHECK_FALSE(replace_kernel_entry(no_steps, "kernel: v3.9"));
  CHECK(no_steps == "scenario: x\n");
}

TEST_CASE("append_steps: at the items' indentation, after the last one", "[explore][emit]") {
  std::string text = "steps:\n  - spawn: A\n  - sysfs: {run: 2}\n    interleave: {point: p}\n\n"
                     "  # trailing comment\nseed: 3\n";
  REQUIRE(append_steps(text, {"why"}, {"expect: {oops: none}"}));
  CHECK(text == "steps:\n  - spawn: A\n  - sysfs: {run: 2}\n    interleave: {point: p}\n"
                "  # why\n  - expect: {oops: none}\n\n  # trailing comment\nseed: 3\n");

  std::string col1 = "steps:\n- spawn: A\n";
  REQUIRE(append_steps(col1, {}, {"expect: {oops: none}"}));
  CHECK(col1 == "steps:\n- spawn: A\n- expect: {oops: none}\n");

  std::string flow = "steps: [{spawn: A}]\n";
  CHECK_FALSE(append_steps(flow, {}, {"expect: {oops: none}"}));
  CHECK(flow == "steps: [{spawn: A}]\n");
}

TEST_CASE("emit_regression: the fork race as a two-sided regression that passes both ways",
          "[explore][emit]") {
  const std::string rel = "scenarios/explore/fork-during-unmerge.yaml";
  const std::string text = read_source(rel);
  scenario::Scenario s = scenario::parse_text(text, rel);
  ExploreOptions eo;
  ExploreResult result = explore(s, text, eo);
  REQUIRE(result.findings() > 0);
  std::size_t emitted = 0;
  for (const Placement &p : result.runs) {
    if (p.outcome != Placement::Outcome::Oops && p.outcome != Placement::Outcome::Violation)
      continue;
    RegressionFile f = emit_regression(s, p, eo);
    emitted++;
    INFO(f.text);
    CHECK(f.name == placement_file_name(s, p));
    CHECK(f.failing_profile == "v3.9 without unmerge-enter-at-tail");
    CHECK(f.cured_by == std::vector<std::string>{"unmerge-enter-at-tail"});
    REQUIRE(f.fixed_profile);
    CHECK(*f.fixed_profile == "v3.9");
    CHECK(f.problems.empty());
    // docs/regressions.md, cause 2: remove_stable_node warns, nothing oopses.
    CHECK(f.text.find("- expect: {if_without: unmerge-enter-at-tail, oops: none, warning: "
                      "remove_stable_node") != std::string::npos);
    CHECK(f.text.find("- expect: {if_with: unmerge-enter-at-tail, oops: none, warning: none") !=
          std::string::npos);
    CHECK(f.text.find("point: " + p.point) != std::string::npos);
    // Both sides, strictly, from the text itself.
    scenario::Scenario emitted_s = scenario::parse_text(f.text, f.name);
    RunOptions strict;
    strict.strict = true;
    CHECK(run_scenario(emitted_s, strict).exit_code == 0);
    strict.kernel = "v3.9";
    CHECK(run_scenario(emitted_s, strict).exit_code == 0);
    // The same placement gives the same file.
    CHECK(emit_regression(s, p, eo).text == f.text);
  }
  CHECK(emitted == result.findings());
}

TEST_CASE("emit_regression: a finding no fix cures asserts only the failing side",
          "[explore][emit]") {
  const std::string rel = "scenarios/explore/fork-during-unmerge.yaml";
  const std::string text = read_source(rel);
  scenario::Scenario s = scenario::parse_text(text, rel);
  // Explored on a profile that also lacks uptodate-copy: restoring that one
  // does not cure the race, restoring unmerge-enter-at-tail does.
  ExploreOptions eo;
  eo.run.kernel = "v3.9 without uptodate-copy,unmerge-enter-at-tail";
  ExploreResult result = explore(s, text, eo);
  const Placement *found = nullptr;
  for (const Placement &p : result.runs)
    if (p.outcome == Placement::Outcome::Oops && !found)
      found = &p;
  REQUIRE(found);
  RegressionFile two = emit_regression(s, *found, eo);
  CHECK(two.failing_profile == "v3.9 without unmerge-enter-at-tail,uptodate-copy");
  CHECK(two.cured_by == std::vector<std::string>{"unmerge-enter-at-tail"});
  REQUIRE(two.fixed_profile);
  CHECK(*two.fixed_profile == "v3.9 without uptodate-copy");
  CHECK(two.text.find("kernel: {version: v3.9, without: [unmerge-enter-at-tail, "
                      "uptodate-copy]}") != std::string::npos);
  CHECK(two.problems.empty());
  // The same finding said to come from v3.9: there is no fix to restore.
  eo.run.kernel = "v3.9";
  RegressionFile none = emit_regression(s, *found, eo);
  CHECK(none.cured_by.empty());
  CHECK_FALSE(none.fixed_profile);
  CHECK(none.text.find("No profile with one fix restored") != std::string::npos);
  CHECK(none.text.find("if_with") == std::string::npos);
}

TEST_CASE("explore: a refused placement names the lock that refused it", "[explore]") {
  // docs/regressions.md, cause 2: 6 of the 13 placements are refused
  // because B's mmap_sem is held while B is unmerged.
  const std::string rel = "scenarios/explore/fork-during-unmerge.yaml";
  const std::string text = read_source(rel);
  scenario::Scenario s = scenario::parse_text(text, rel);
  ExploreResult result = explore(s, text, ExploreOptions{});
  std::size_t refused = 0, clean = 0;
  for (const Placement &p : result.runs) {
    if (p.outcome == Placement::Outcome::Refused) {
      refused++;
      CHECK(p.refused_by.find("mmap_sem") != std::string::npos);
    }
    clean += p.outcome == Placement::Outcome::Clean;
  }
  CHECK(refused == 6);
  CHECK(clean == 1);
}

TEST_CASE("every_profile: v3.9, one row per fix, and the file's own first when it is none",
          "[profiles]") {
  scenario::Scenario s;
  CHECK(every_profile(s) == std::vector<std::string>{"v3.9", "v3.9 without stale-stable-sweep",
                                                     "v3.9 without unmerge-enter-at-tail",
                                                     "v3.9 without unmerge-swapin-copy",
                                                     "v3.9 without uptodate-copy"});
  s.kernel.without = {"uptodate-copy", "stale-stable-sweep"};
  CHECK(every_profile(s).front() == "v3.9 without stale-stable-sweep,uptodate-copy");
  CHECK(every_profile(s).size() == 6);
  CHECK(text_table({"a", "bb"}, {{"xyz", "1"}, {"", "22"}}) == "a    bb\nxyz  1\n     22\n");
}

TEST_CASE("run --kernel all: the fork race warns only without unmerge-enter-at-tail",
          "[profiles]") {
  // docs/regressions.md, cause 2: without unmerge-enter-at-tail C is
  // skipped and remove_stable_node warns (WARN_ON_ONCE); its if_without
  // expectations say so: exit 0. With the fix C is unmerged, K freed, and
  // "S found stale and removed" by remove_all_stable_nodes, which is the
  // stale-stable-sweep fix (cause 1): without the sweep S is left in
  // one_stable_tree when merge_across_nodes switches, in no tree, as in
  // cause 1 step 4 (invariants violated), so the file's if_with block,
  // which says `invariants: ok`, fails there: exit 1. Nothing else differs.
  const std::string rel = "scenarios/regressions/fork-behind-unmerge-cursor.yaml";
  scenario::Scenario s = scenario::parse_text(read_source(rel), rel);
  EveryProfileTable t = run_every_profile(s, RunOptions{});
  CHECK(t.exit_code == 1);
  CHECK(t.text ==
        "fork-behind-unmerge-cursor on every kernel profile:\n"
        "profile                             exit  oops  warnings            detectors  "
        "invariants\n"
        "v3.9                                0     none  none                none       ok\n"
        "v3.9 without stale-stable-sweep     1     none  none                none       "
        "violated\n"
        "v3.9 without unmerge-enter-at-tail  0     none  remove_stable_node  none       ok\n"
        "v3.9 without unmerge-swapin-copy    0     none  none                none       ok\n"
        "v3.9 without uptodate-copy          0     none  none                none       "
        "ok\n");
}

TEST_CASE("run --kernel all: the stale stable node is erased from the wrong tree only without "
          "the sweep",
          "[profiles]") {
  // docs/regressions.md, cause 1: without stale-stable-sweep S is left in
  // no tree (an invariant violation) and cmp_and_merge_page's rb_erase
  // of it is a detector report; the sweep removes S on every other profile.
  const std::string rel = "scenarios/regressions/stale-stable-node-swapcache.yaml";
  scenario::Scenario s = scenario::parse_text(read_source(rel), rel);
  EveryProfileTable t = run_every_profile(s, RunOptions{});
  std::istringstream lines(t.text);
  std::vector<std::string> rows;
  for (std::string l; std::getline(lines, l);)
    rows.push_back(l);
  REQUIRE(rows.size() == 7);
  for (std::size_t i = 2; i < rows.size(); i++) {
    INFO(rows[i]);
    bool without_sweep = rows[i].rfind("v3.9 without stale-stable-sweep ", 0) == 0;
    CHECK((rows[i].find("rb-erase-not-in-tree") != std::string::npos) == without_sweep);
    CHECK((rows[i].find("violated") != std::string::npos) == without_sweep);
    CHECK(rows[i].find(" oops ") == std::string::npos);
    // The file's if_with: stale-stable-sweep side has B's read copy the
    // orphaned KSM page; that copy is unmerge-swapin-copy's new test (a
    // PageKsm page with no stable node, cause 4): without it B maps K and
    // the fixed side's expectations fail (exit 1), nothing is recorded.
    bool without_copy = rows[i].rfind("v3.9 without unmerge-swapin-copy ", 0) == 0;
    CHECK((rows[i].find("  1  ") != std::string::npos) == without_copy);
  }
  CHECK(t.exit_code == 1);
}

TEST_CASE("progress lines: virtual time, full scans, steps", "[progress]") {
  RunProgress p;
  p.step = 7;
  p.steps = 12;
  p.line = 20;
  p.kind = "wait";
  p.time_us = 1'250'000;
  p.full_scans = 3;
  CHECK(run_progress_line(p) == "run: step 7/12 wait, virtual time 1.250 s, 3 full scans");
  CHECK(run_step_line(p) == "step 7/12 (line 20) wait at 1.250 s");
  p.full_scans = 1;
  p.time_us = 2'592'000'000'000ULL + 40'000;
  CHECK(run_progress_line(p) == "run: step 7/12 wait, virtual time 2592000.040 s, 1 full scan");
  CHECK(run_progress_line(RunProgress{}) == "run: starting, virtual time 0.000 s, 0 full scans");
  CHECK(explore_progress_line(5, 13) == "explore: 5/13 placements replayed");
}

TEST_CASE("ProgressMeter: at most every 0.2 s, in place, cleared at the end, silent when off",
          "[progress]") {
  std::string out;
  double now = 10.0;
  {
    io::ProgressMeter m(
        true, [&](std::string_view t) { out += t; }, [&]() { return now; });
    m.update([] { return std::string("first line"); }); // the first is shown at once
    now += 0.1;
    m.update([] { return std::string("too soon"); });
    now += 0.15;
    m.update([] { return std::string("short"); }); // shorter: the rest is blanked
    m.print("a detail");
    m.update([] { return std::string("after"); }); // redrawn at once after a detail
  }
  CHECK(out == "\rfirst line\rshort     \rshort\r     \ra detail\n\rafter\r     \r");

  std::string none;
  {
    io::ProgressMeter off(
        false, [&](std::string_view t) { none += t; }, [&]() { return now; });
    off.update([] { return std::string("hidden"); });
    off.finish();
  }
  CHECK(none.empty());
}

TEST_CASE("RunOptions::progress: every step and batch, and the run unchanged", "[progress]") {
  const std::string rel = "scenarios/basics/merge-two-processes.yaml";
  scenario::Scenario s = scenario::parse_text(read_source(rel), rel);
  RunOptions plain;
  RunResult a = run_scenario(s, plain);
  RunOptions hooked;
  std::vector<RunProgress> seen;
  std::vector<std::string> kinds;
  hooked.progress = [&](const RunProgress &p) {
    seen.push_back(p);
    kinds.emplace_back(p.kind); // the view lives only during the call
  };
  RunResult b = run_scenario(s, hooked);
  CHECK(a.summary == b.summary);
  CHECK(a.json == b.json);
  std::size_t begins = 0, batches = 0;
  std::uint64_t last_time = 0;
  for (const RunProgress &p : seen) {
    begins += p.event == RunProgress::Event::StepBegin;
    batches += p.event == RunProgress::Event::Batch;
    CHECK(p.time_us >= last_time);
    CHECK(p.steps == s.steps.size());
    last_time = p.time_us;
  }
  CHECK(begins == s.steps.size());
  CHECK(batches > 0);
  CHECK(seen.back().event == RunProgress::Event::StepEnd);
  CHECK(seen.back().full_scans >= 2);
  CHECK(kinds.back() == "expect");
}

TEST_CASE("cli: --emit-regression, --verbose and --kernel all refuse what they cannot do",
          "[cli][emit][profiles]") {
  using ksmsim::test::run_cli;
  ksmsim::test::ScratchDir dir("explore-cli");
  const std::string fork =
      std::string("'") + KSMSIM_SOURCE_DIR + "/scenarios/explore/fork-during-unmerge.yaml'";
  const std::string regression = std::string("'") + KSMSIM_SOURCE_DIR +
                                 "/scenarios/regressions/fork-behind-unmerge-cursor.yaml'";
  auto both = run_cli("explore " + fork + " --kernel all --emit-regression " + dir.file("r"));
  CHECK(both.code == 2);
  CHECK(both.text.find("--kernel all and --emit-regression") != std::string::npos);
  auto same = run_cli("explore " + fork + " --out " + dir.file("d") + " --emit-regression " +
                      dir.file("d"));
  CHECK(same.code == 2);
  CHECK(same.text.find("name the same directory") != std::string::npos);
  auto table_only = run_cli("run " + regression + " --kernel all --json " + dir.file("x.json"));
  CHECK(table_only.code == 2);
  CHECK(table_only.text.find("--kernel all prints a table only") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "x.json"));
  {
    std::ofstream bad(dir.path / "bad.yaml");
    bad << "scenario: bad\nsteps:\n  - spawn: A\n  - nonsense: 1\n";
  }
  auto bad = run_cli("run " + dir.file("bad.yaml") + " --kernel all");
  CHECK(bad.code == 2);
  CHECK(bad.text.find("bad.yaml:4:") != std::string::npos);
  // A flow-style steps list has no line to append the expectations to.
  {
    std::ofstream flow(dir.path / "flow.yaml");
    flow << "scenario: flow\nkernel: {version: v3.9, without: [unmerge-enter-at-tail]}\n"
            "ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}\n"
            "steps: [{spawn: A}, {mmap: {mm: A, vma: heap, pages: 1}}, "
            "{write: {mm: A, vma: heap, pages: 0, fill: 'f'}}, "
            "{madvise: {mm: A, vma: heap, advice: mergeable}}, {spawn: B}, "
            "{mmap: {mm: B, vma: heap, pages: 1}}, {write: {mm: B, vma: heap, pages: 0, fill: "
            "'f'}}, {madvise: {mm: B, vma: heap, advice: mergeable}}, {sysfs: {run: 1}}, "
            "{wait: {full_scans: 2}}, {sysfs: {run: 2}, interleave: {explore: true, steps: "
            "[{fork: {parent: B, child: C}}]}}]\n";
  }
  auto flow = run_cli("explore " + dir.file("flow.yaml") + " --emit-regression " + dir.file("f"));
  INFO(flow.text);
  CHECK(flow.code == 2);
  CHECK(flow.text.find("needs `steps:` as a block list") != std::string::npos);
  // --verbose: the clean and refused placements, in the placements' order.
  auto verbose = run_cli("explore " + fork + " -v --emit-regression " + dir.file("v"));
  CHECK(verbose.code == 1);
  CHECK(verbose.text.find("  clean: at unmerge_and_remove_all_rmap_items:next_mm (time 2)\n") !=
        std::string::npos);
  CHECK(verbose.text.find("  refused: at break_ksm:cond_resched (time 3) by mmap_sem of B") !=
        std::string::npos);
  CHECK(std::filesystem::exists(
      dir.path / "v" / "fork-during-unmerge.unmerge_and_remove_all_rmap_items.next_mm.1.yaml"));
}

TEST_CASE("explore --kernel all: the swap-in race is found only without unmerge-swapin-copy",
          "[profiles][explore]") {
  // docs/regressions.md, cause 3: 8 placements of the fault during run=2;
  // without unmerge-swapin-copy 5 end in remove_stable_node's warning and 3
  // are clean; with the fix none is found. Without stale-stable-sweep
  // run=2 does not end with remove_all_stable_nodes (that is the fix), so
  // its point after the one stable node is not reached: 7 placements, and
  // nothing calls remove_stable_node to warn.
  const std::string rel = "scenarios/explore/swapin-during-unmerge.yaml";
  const std::string text = read_source(rel);
  scenario::Scenario s = scenario::parse_text(text, rel);
  EveryProfileTable t = explore_every_profile(s, text, ExploreOptions{});
  CHECK(t.exit_code == 1);
  std::istringstream lines(t.text);
  std::vector<std::string> rows;
  for (std::string l; std::getline(lines, l);)
    rows.push_back(l);
  REQUIRE(rows.size() == 7);
  CHECK(rows[0] == "explore swapin-during-unmerge on every kernel profile:");
  CHECK(rows[1].rfind("profile                             replays  found  clean  refused  "
                      "first finding",
                      0) == 0);
  CHECK(rows[2] == "v3.9                                8        0      8      0        -");
  CHECK(rows[3] == "v3.9 without stale-stable-sweep     7        0      7      0        -");
  CHECK(rows[4] == "v3.9 without unmerge-enter-at-tail  8        0      8      0        -");
  CHECK(rows[5].rfind("v3.9 without unmerge-swapin-copy    8        5      3      0        at ",
                      0) == 0);
  CHECK(rows[5].find("WARNING: at mm/ksm.c:715 remove_stable_node()") != std::string::npos);
  CHECK(rows[6] == "v3.9 without uptodate-copy          8        0      8      0        -");
}
