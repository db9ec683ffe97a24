// SPDX-License-Identifier: GPL-2.0-only
//
// What the kernel would print and what only the simulator sees: an oops
// stops the run and fails it unless expected; a WARNING (once per site for
// WARN_ON_ONCE) and a detector report are reported and fail a run only
// through an expectation that names them, or under --strict; so does an
// invariant violation.
#include "catch.h"

#include <string>
#include <tuple>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/report/report.h"
#include "tests/machine.h"

using namespace ksmsim;
using catch_compat::Contains;

namespace {

// One process A with one written page.
struct Machine : testing::MachineBase {
  Machine() : MachineBase(1, KernelProfile{}) {}
  mm_struct *a = k.mm_alloc("A", 1000);
  std::uint64_t s = k.do_mmap_anon(a, 1, -1);
  page *p = write(a, s, 1);
};

// B forks C while run=2 unmerges, behind the unmerge cursor: without
// cbf86cfe04's second fix C keeps the KSM page, so remove_stable_node meets
// it mapped twice: in run=2's sweep and in the merge_across_nodes switch.
const std::string kForkBehindCursor = R"(scenario: t
machine: {nodes: 2}
ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 1}
  - write: {mm: A, vma: heap, pages: 0, fill: 'k'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - fork: {parent: A, child: B}
  - write: {mm: B, vma: heap, pages: 0, fill: 'k'}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - sysfs: {run: 2}
    interleave:
      - point: unmerge_and_remove_all_rmap_items:next_mm
        steps:
          - fork: {parent: B, child: C}
  - sysfs: {merge_across_nodes: 0}
    expect_error: EBUSY
)";

RunResult run(const std::string &text, bool strict, const std::string &kernel) {
  RunOptions opt;
  opt.kernel = kernel;
  opt.strict = strict;
  return run_scenario(scenario::parse_text(text, "t.yaml"), opt);
}

const std::string kWithoutFix2 = "v3.9 without unmerge-enter-at-tail";

} // namespace

TEST_CASE("a WARNING is a warning: reported, once per WARN_ON_ONCE site, and no failure",
          "[oops]") {
  RunResult r = run(kForkBehindCursor + "  - expect: {oops: none}\n", false, kWithoutFix2);
  CHECK(r.exit_code == 0);
  // remove_stable_node met the mapped KSM page twice; WARN_ON_ONCE printed once.
  REQUIRE(r.oopses.size() == 1);
  CHECK(r.oopses.front() == "WARNING: at mm/ksm.c:715 remove_stable_node()");
  CHECK_THAT(r.summary, Contains("warning: WARNING: at mm/ksm.c:715 remove_stable_node()"));
  CHECK_THAT(r.json, Contains("\"warnings\": [{\"kind\": \"WARNING\", \"function\": "
                              "\"remove_stable_node\""));
  CHECK_THAT(r.json, Contains("\"site\": \"mm/ksm.c:715\""));
  CHECK_THAT(r.json, Contains("\"oopses\": []"));
}

TEST_CASE("warning: names what warned, --strict fails an unnamed warning", "[oops]") {
  CHECK(run(kForkBehindCursor, true, kWithoutFix2).exit_code == 1);
  RunResult strict = run(kForkBehindCursor, true, kWithoutFix2);
  CHECK_THAT(strict.summary, Contains("unexpected warning (--strict)"));
  CHECK(run(kForkBehindCursor + "  - expect: {warning: remove_stable_node}\n", true, kWithoutFix2)
            .exit_code == 0);
  RunResult none = run(kForkBehindCursor + "  - expect: {warning: none}\n", false, kWithoutFix2);
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.summary, Contains("warning: expected none, found WARNING: at mm/ksm.c:715"));
  RunResult other =
      run(kForkBehindCursor + "  - expect: {warning: cmp_and_merge_page}\n", false, kWithoutFix2);
  CHECK(other.exit_code == 1);
  // With the fix nothing warns, and merge_across_nodes switches.
  std::string fixed = kForkBehindCursor;
  fixed.replace(fixed.find("    expect_error: EBUSY\n"), 24, "");
  CHECK(run(fixed + "  - expect: {warning: none, detected: none}\n", true, "v3.9").exit_code == 0);
}

TEST_CASE("page_remove_rmap of an unmapped page is a detector report, not a VM_BUG_ON",
          "[oops][mmu]") {
  Machine m;
  auto [a, s, p] = std::tuple(m.a, m.s, m.p);
  REQUIRE(Kernel::page_mapcount(p) == 1);
  m.k.page_remove_rmap(p);
  REQUIRE(m.k.oopses().empty());
  // v3.9 page_remove_rmap: atomic_add_negative(-1, &_mapcount), no check.
  CHECK_NOTHROW(m.k.page_remove_rmap(p));
  CHECK(Kernel::page_mapcount(p) == -1);
  REQUIRE(m.k.oopses().size() == 1);
  const OopsRecord &r = m.k.oopses().back();
  CHECK(r.kind == "detector");
  CHECK(r.name == "negative-mapcount");
  CHECK(r.function == "page_remove_rmap");
  CHECK_THAT(r.message, Contains("ksmsim: "));
  p->_mapcount = 0; // back to the one pte that maps it, for the teardown
}

TEST_CASE("a lock its own context holds is a detector that stops the run", "[oops][mmu]") {
  Machine m;
  auto [a, s, p] = std::tuple(m.a, m.s, m.p);
  m.k.lock_page(p);
  CHECK_THROWS_AS(m.k.lock_page(p), OopsException);
  call_path().clear();
  REQUIRE(m.k.oopses().size() == 1);
  const OopsRecord &r = m.k.oopses().back();
  CHECK(r.kind == "detector");
  CHECK(r.name == "deadlock");
  CHECK_THAT(r.message, Contains("would deadlock"));
  CHECK_FALSE(is_oops(r));
  m.k.unlock_page(p);
}

TEST_CASE("exit status: warnings, detector reports and violations need --strict or an "
          "expectation",
          "[oops][report]") {
  Machine m;
  scenario::Scenario s = scenario::parse_text("scenario: t\nsteps:\n  - spawn: A\n", "t.yaml");
  Report plain(s, "v3.9"), strict(s, "v3.9");
  strict.set_strict(true);
  for (Report *r : {&plain, &strict})
    r->violation(1, 0, "after the step", {"a node in no tree"});
  CHECK(plain.exit_code(m.k) == 0);
  CHECK(strict.exit_code(m.k) == 1);
  strict.acknowledge_violations();
  CHECK(strict.exit_code(m.k) == 0);

  set_oops_sink(&m.k);
  detector_report("cmp_and_merge_page", "rb-erase-not-in-tree",
                  "ksmsim: rb_erase of a node that is not in root_stable_tree[0]");
  CHECK(plain.exit_code(m.k) == 0);
  CHECK(strict.exit_code(m.k) == 1);
  strict.acknowledge_detector("rb-erase-not-in-tree");
  CHECK(strict.exit_code(m.k) == 0);

  CHECK_THROWS_AS(kernel_bug("get_ksm_page", "BUG_ON(x)"), OopsException);
  call_path().clear();
  CHECK(plain.exit_code(m.k) == 1); // v1: an unexpected oops fails the run
  plain.acknowledge_oops();
  CHECK(plain.exit_code(m.k) == 0);
}

TEST_CASE("parser: warning: and detected: take none or a name", "[oops][parser]") {
  const std::string head = "scenario: t\nsteps:\n  - spawn: A\n";
  scenario::Scenario s =
      scenario::parse_text(head + "  - expect: {warning: none, detected: deadlock}\n", "t.yaml");
  const auto &x = std::get<scenario::Expect>(s.steps.back().body);
  CHECK(*x.warning == "none");
  CHECK(*x.detected == "deadlock");
  CHECK_THROWS_WITH(
      scenario::parse_text(head + "  - expect: {detected: 'no such thing'}\n", "t.yaml"),
      Contains("t.yaml:4:24: detected:"));
  CHECK_THROWS_WITH(scenario::parse_text(head + "  - expect: {warning: 'a b'}\n", "t.yaml"),
                    Contains("t.yaml:4:23: warning:"));
}

TEST_CASE("zap of a pte whose page's mapcount went wrong prints Bad page map and goes on",
          "[oops][mmu]") {
  Machine m;
  auto [a, s, p] = std::tuple(m.a, m.s, m.p);
  m.k.page_remove_rmap(p); // a corruption: the pte still maps p
  REQUIRE(m.k.oopses().empty());
  // zap_pte_range: page_remove_rmap takes _mapcount to -2 (the detector
  // sees it), then page_mapcount < 0 -> print_bad_pte; the kernel goes on.
  CHECK_NOTHROW(m.k.sys_madvise(a, s, PAGE_SIZE, MADV_DONTNEED));
  bool detected = false, bad_map = false;
  for (const OopsRecord &r : m.k.oopses()) {
    CHECK_FALSE(is_oops(r));
    detected |= is_detector(r) && r.name == "negative-mapcount";
    bad_map |= is_warning(r) && r.function == "zap_pte_range" &&
               r.message.rfind("BUG: Bad page map in process A", 0) == 0;
  }
  CHECK(detected);
  CHECK(bad_map);
}
