// SPDX-License-Identifier: GPL-2.0-only
//
// The 6.15 port (model/ksm/v6.15): what differs from v3.9. Every expected
// number is worked out from 6.15's mm/ksm.c (torvalds/linux bf4b87e8459),
// as the comments say.
#include "catch.h"

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "machine.h"
#include "model/ksm/v6.15/ksm.h"

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;
const std::uint64_t X_WORD = 0x7878787878787878ULL;
const std::uint64_t Y_WORD = 0x7979797979797979ULL;

KernelProfile profile_6_15() {
  KernelProfile p;
  p.version = "v6.15";
  p.name = "v6.15";
  return p;
}

struct M615 : testing::MachineBase {
  M615() : MachineBase(1, profile_6_15()) {}
  v6_15::Ksm &ksm() { return dynamic_cast<v6_15::Ksm &>(k.ksm); }
  std::pair<mm_struct *, std::uint64_t> process(const std::string &name, int pid,
                                                const std::vector<std::uint64_t> &words) {
    mm_struct *mm = k.mm_alloc(name, pid);
    std::uint64_t s = k.do_mmap_anon(mm, words.size(), -1);
    for (std::size_t i = 0; i < words.size(); i++)
      write(mm, s + i * P, words[i]);
    REQUIRE(k.sys_madvise(mm, s, words.size() * P, MADV_MERGEABLE) == 0);
    return {mm, s};
  }
  std::uint64_t show(const char *name) {
    std::uint64_t v = ~0ULL;
    REQUIRE(k.ksm.sysfs_show(name, &v));
    return v;
  }
  void full_scan() {
    const std::uint64_t before = ksm().ksm_scan.seqnr;
    k.ksm.ksm_do_scan(100000);
    REQUIRE(ksm().ksm_scan.seqnr == before + 1);
    check_invariants();
  }
};

} // namespace

TEST_CASE("v6.15: ksm_attrs and the defaults of 6.15", "[v6.15]") {
  M615 m;
  const std::vector<std::string> files = {"sleep_millisecs",
                                          "pages_to_scan",
                                          "run",
                                          "pages_scanned",
                                          "pages_shared",
                                          "pages_sharing",
                                          "pages_unshared",
                                          "pages_volatile",
                                          "pages_skipped",
                                          "ksm_zero_pages",
                                          "full_scans",
                                          "merge_across_nodes",
                                          "max_page_sharing",
                                          "stable_node_chains",
                                          "stable_node_dups",
                                          "stable_node_chains_prune_millisecs",
                                          "use_zero_pages",
                                          "general_profit",
                                          "smart_scan",
                                          "advisor_mode",
                                          "advisor_max_cpu",
                                          "advisor_min_pages_to_scan",
                                          "advisor_max_pages_to_scan",
                                          "advisor_target_scan_time"};
  CHECK(m.k.ksm.sysfs_files() == files);
  // The static initialisers of mm/ksm.c.
  CHECK(m.show("pages_to_scan") == 100);
  CHECK(m.show("sleep_millisecs") == 20);
  CHECK(m.show("max_page_sharing") == 256);
  CHECK(m.show("stable_node_chains_prune_millisecs") == 2000);
  CHECK(m.show("smart_scan") == 1);
  CHECK(m.show("use_zero_pages") == 0); // ksm_init: false for backwards compatibility
  CHECK(m.show("advisor_max_cpu") == 70);
  CHECK(m.show("advisor_min_pages_to_scan") == 500);
  CHECK(m.show("advisor_max_pages_to_scan") == 30000);
  CHECK(m.show("advisor_target_scan_time") == 200);
  CHECK(m.show("advisor_mode") == 0);
  CHECK(m.show("general_profit") == 0);
}

TEST_CASE("v6.15: sysfs stores validate as 6.15's do", "[v6.15]") {
  M615 m;
  // read-only files: no store method (mode 0444)
  for (const char *ro : {"pages_scanned", "pages_skipped", "ksm_zero_pages", "general_profit",
                         "stable_node_chains", "stable_node_dups", "full_scans"})
    CHECK(m.k.ksm.sysfs_store(ro, "0\n") == -EACCES);
  CHECK(m.k.ksm.sysfs_store("max_kernel_pages", "1\n") == -ENOENT);
  // kstrtouint's failure is -EINVAL whatever it was (overflow included).
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "4294967296\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("sleep_millisecs", "x") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "3\n") == -EINVAL);
  // max_page_sharing: kstrtoint's own error, then knob < 2 is EINVAL
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "1\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "-5\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "2147483648\n") == -34); // -ERANGE
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "2\n") == 2);
  CHECK(m.show("max_page_sharing") == 2);
  // kstrtobool: y/n/1/0/on/off
  CHECK(m.k.ksm.sysfs_store("use_zero_pages", "on\n") == 3);
  CHECK(m.show("use_zero_pages") == 1);
  CHECK(m.k.ksm.sysfs_store("use_zero_pages", "maybe") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("smart_scan", "N") == 1);
  CHECK(m.show("smart_scan") == 0);
  // advisor: its mode; pages_to_scan refuses while an advisor is on;
  // set_advisor_defaults on a change.
  CHECK(m.k.ksm.sysfs_store("advisor_mode", "bogus\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("advisor_mode", "scan-time\n") == 10);
  CHECK(m.show("advisor_mode") == 1);
  CHECK(m.show("pages_to_scan") == 500); // ksm_advisor_min_pages_to_scan
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "100\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("advisor_mode", "none") == 4);
  CHECK(m.show("pages_to_scan") == 100); // DEFAULT_PAGES_TO_SCAN
  CHECK(m.k.ksm.sysfs_store("advisor_target_scan_time", "0\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("advisor_target_scan_time", "10\n") == 3);
}

TEST_CASE("v6.15: max_page_sharing and merge_across_nodes are EBUSY while KSM pages exist",
          "[v6.15]") {
  M615 m;
  m.process("A", 1, {X_WORD, X_WORD});
  m.ksm().ksm_run = 1;
  // Scan 1 records checksums; scan 2 merges the two pages (one KSM page).
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("pages_shared") == 1);
  // ksm_pages_shared != 0: EBUSY, the knob unchanged.
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "10\n") == -EBUSY);
  CHECK(m.show("max_page_sharing") == 256);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == -EBUSY);
  // The same value is no change: count, without the check.
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "256\n") == 4);
  // After run=2 unmerges everything, it can change.
  CHECK(m.k.ksm.sysfs_store("run", "2\n") == 2);
  CHECK(m.show("pages_shared") == 0);
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "10\n") == 3);
}

// max_page_sharing 2, five identical pages in one mm, smart_scan off.
// Scan 1: every new rmap_item has oldchecksum 0: each records its checksum
// and returns (checksum first, 6.x). Scan 2, per cmp_and_merge_page:
//  p0: stable tree empty; into the unstable tree.
//  p1: hits p0: try_to_merge_two_pages makes p1 the KSM page, p0 maps it;
//      stable_tree_insert: a regular node D1, rmap_hlist_len 2.
//  p2: stable_tree_search finds D1 equal, but is_page_sharing_candidate(D1)
//      is 2 < 2, false: NULL; into the (now empty) unstable tree.
//  p3: D1 full again; hits p2 in the unstable tree: a second KSM page;
//      stable_tree_insert finds D1 equal: need_chain: alloc_stable_node_chain
//      puts chain C in D1's place with D1 its dup, then the new D2 joins:
//      stable_node_chains 1, stable_node_dups 2, shared 2, sharing 2.
//  p4: chain_prune: both dups full (stable_node_dup returns D2, not a
//      candidate): NULL; into the unstable tree: unshared 1.
TEST_CASE("v6.15: max_page_sharing 2 and five identical pages make a chain of two dups",
          "[v6.15]") {
  M615 m;
  REQUIRE(m.k.ksm.sysfs_store("max_page_sharing", "2") == 1);
  REQUIRE(m.k.ksm.sysfs_store("smart_scan", "0") == 1);
  m.process("A", 1, {X_WORD, X_WORD, X_WORD, X_WORD, X_WORD});
  m.ksm().ksm_run = 1;
  m.full_scan();
  CHECK(m.show("pages_shared") == 0);
  CHECK(m.show("pages_volatile") == 5);
  m.full_scan();
  CHECK(m.show("pages_shared") == 2);
  CHECK(m.show("pages_sharing") == 2);
  CHECK(m.show("pages_unshared") == 1);
  CHECK(m.show("stable_node_chains") == 1);
  CHECK(m.show("stable_node_dups") == 2);
  CHECK(m.show("pages_volatile") == 0);
  // Scan 3: p0..p3 are on their own nodes and return; p4 again finds both
  // dups full and goes back into the unstable tree: nothing changes.
  m.full_scan();
  CHECK(m.show("pages_shared") == 2);
  CHECK(m.show("pages_sharing") == 2);
  CHECK(m.show("pages_unshared") == 1);
  CHECK(m.show("stable_node_chains") == 1);
  CHECK(m.show("stable_node_dups") == 2);
  // general_profit: (sharing 2 + zero pages 0) * 4096 - 5 rmap_items * 64
  CHECK(static_cast<std::int64_t>(m.show("general_profit")) == 2 * 4096 - 5 * 64);
}

// Checksum first: a page's first scan only records its checksum, even if
// an equal KSM page is in the stable tree (v3.9 merges it at once, see
// scenarios/basics/late-joiner.yaml).
TEST_CASE("v6.15: a late joiner's page waits one scan for its checksum", "[v6.15]") {
  M615 m;
  m.process("A", 1, {X_WORD, X_WORD});
  m.ksm().ksm_run = 1;
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("pages_shared") == 1);
  REQUIRE(m.show("pages_sharing") == 1);
  // __ksm_enter puts C behind the cursor (at the list head): the list's end.
  m.process("C", 3, {X_WORD});
  m.full_scan(); // C's new rmap_item: oldchecksum 0 != checksum: return
  CHECK(m.show("pages_sharing") == 1);
  CHECK(m.show("pages_volatile") == 1);
  m.full_scan(); // checksum the same: stable_tree_search finds the KSM page
  CHECK(m.show("pages_sharing") == 2);
  CHECK(m.show("pages_volatile") == 0);
}

// smart_scan: should_skip_rmap_item increments age on every scan that
// reaches a page that is not KSM; age < 3 is never skipped; at age 3
// remaining_skips is 0, so it is set to skip_age(3) = 1 and the page is
// scanned; at age 4 it is skipped (pages_skipped 1); at age 5
// remaining_skips is 0 again: skip_age(5) = 2, scanned; ages 6 and 7
// skipped (pages_skipped 3); age 8: skip_age(8) = 4, scanned.
TEST_CASE("v6.15: smart_scan skips a page that never merges by its age", "[v6.15]") {
  M615 m;
  m.process("A", 1, {X_WORD, Y_WORD});
  m.ksm().ksm_run = 1;
  const std::vector<std::uint64_t> skipped_after = {0, 0, 0, 0, 2, 2, 4, 6, 6};
  for (std::size_t scan = 0; scan < skipped_after.size(); scan++) {
    m.full_scan();
    INFO("scan " << scan + 1);
    CHECK(m.show("pages_skipped") == skipped_after[scan]);
  }
  // pages_scanned counts the pages cmp_and_merge_page looked at: 2 a scan,
  // less the skipped ones.
  CHECK(m.show("pages_scanned") == 2 * 9 - 6);
}

TEST_CASE("v6.15: use_zero_pages merges an empty page into the zero page", "[v6.15]") {
  M615 m;
  REQUIRE(m.k.ksm.sysfs_store("use_zero_pages", "1") == 1);
  auto [mm, s] = m.process("A", 1, {0, 0, X_WORD});
  // the pages written with word 0 are empty (all zero) pages
  m.ksm().ksm_run = 1;
  m.full_scan(); // checksums recorded
  m.full_scan(); // oldchecksum == zero_checksum: try_to_merge_with_zero_page
  CHECK(m.show("ksm_zero_pages") == 2);
  CHECK(mm->ksm_zero_pages == 2);
  CHECK(m.show("pages_shared") == 0);
  CHECK(is_ksm_zero_pte(m.pte_val(mm, s)));
  CHECK(is_ksm_zero_pte(m.pte_val(mm, s + P)));
  // unmerging (run=2: break_ksm's unshare fault) gives them back their own
  // pages: ksm_might_unmap_zero_page drops both counts.
  CHECK(m.k.ksm.sysfs_store("run", "2") == 1);
  CHECK(m.show("ksm_zero_pages") == 0);
  CHECK(mm->ksm_zero_pages == 0);
  CHECK_FALSE(is_ksm_zero_pte(m.pte_val(mm, s)));
  m.check_invariants();
}

// include/linux/ksm.h ksm_fork: with the 2025 fork fix (the live 6.18) the
// child entered by fork starts with no merging pages and no rmap_items;
// 6.15 without it copies the parent's figures (dup_mm).
TEST_CASE("v6.15: a forked child's KSM figures, with and without the fork fix", "[v6.15]") {
  for (bool fix : {true, false}) {
    M615 m;
    m.ksm().fork_counter_fix = fix;
    auto [mm, s] = m.process("A", 1, {X_WORD, X_WORD});
    m.ksm().ksm_run = 1;
    m.full_scan();
    m.full_scan();
    REQUIRE(mm->ksm_merging_pages == 2);
    REQUIRE(mm->ksm_rmap_items == 2);
    mm_struct *child = m.k.do_fork(mm, "B", 2);
    REQUIRE(child);
    INFO("fork fix " << fix);
    CHECK(child->ksm_merging_pages == (fix ? 0u : 2u));
    CHECK(child->ksm_rmap_items == (fix ? 0u : 2u));
  }
}

// scan_time_advisor with no cost model (task_sched_runtime 0) and a scan
// inside one batch (virtual time stands still: scan_time 0 -> 1 s).
// Scan 1, pages_to_scan 500 (advisor_min_pages_to_scan): cpu_percent 0 ->
// 1; last_scan_time 1; factor 200 * 100 / 1 = 20000; change 100 ->
// ewma(0, 100) = 30; pages 500 * 100 / 20000 = 2, * 30 / 100 = 0;
// per_page_cost 500 / 1 = 500: min(0, 500 * 70), max(., 500 * 10) = 5000,
// min(5000, 30000) = 5000. Scan 2: change ewma(30, 100) = 51; pages
// 5000 * 100 / 20000 = 25, * 51 / 100 = 12; per_page_cost 5000: max(12,
// 50000) = 50000, capped by advisor_max_pages_to_scan: 30000.
TEST_CASE("v6.15: the scan-time advisor sets pages_to_scan after each full scan", "[v6.15]") {
  M615 m;
  REQUIRE(m.k.ksm.sysfs_store("advisor_mode", "scan-time") == 9);
  REQUIRE(m.show("pages_to_scan") == 500);
  m.process("A", 1, {X_WORD, Y_WORD});
  m.ksm().ksm_run = 1;
  m.full_scan();
  CHECK(m.show("pages_to_scan") == 5000);
  m.full_scan();
  CHECK(m.show("pages_to_scan") == 30000);
  // Back to none: DEFAULT_PAGES_TO_SCAN.
  REQUIRE(m.k.ksm.sysfs_store("advisor_mode", "none\n") == 5);
  CHECK(m.show("pages_to_scan") == 100);
}

// kernel/sys.c + ksm_enable_merge_any: every compatible vma gets
// VM_MERGEABLE, the mm enters KSM (ksm_enter), PR_GET_MEMORY_MERGE reads
// MMF_VM_MERGE_ANY; 0 clears it through ksm_disable_merge_any.
TEST_CASE("v6.15: PR_SET_MEMORY_MERGE makes every vma mergeable", "[v6.15]") {
  M615 m;
  mm_struct *mm = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(mm, 2, -1);
  m.write(mm, s, X_WORD);
  m.write(mm, s + P, X_WORD);
  CHECK(m.k.sys_prctl(mm, PR_GET_MEMORY_MERGE, 0) == 0);
  CHECK(m.k.sys_prctl(mm, PR_SET_MEMORY_MERGE, 1) == 0);
  CHECK((mm->flags & MMF_VM_MERGE_ANY));
  CHECK((mm->flags & MMF_VM_MERGEABLE));
  CHECK((m.k.find_vma(mm, s)->vm_flags & VM_MERGEABLE));
  CHECK(m.k.sys_prctl(mm, PR_GET_MEMORY_MERGE, 0) == 1);
  m.ksm().ksm_run = 1;
  m.full_scan();
  m.full_scan();
  CHECK(m.show("pages_sharing") == 1);
  CHECK(m.k.sys_prctl(mm, PR_SET_MEMORY_MERGE, 0) == 0);
  CHECK_FALSE((mm->flags & MMF_VM_MERGE_ANY));
  CHECK_FALSE((m.k.find_vma(mm, s)->vm_flags & VM_MERGEABLE));
  // unmerged by break_ksm; the rmap_items go on the next scan
  CHECK(m.mapped(mm, s) != m.mapped(mm, s + P));
}

// Continuing the chain above: unmapping p2 and p3 frees D2's KSM page.
// Next scan: get_next_rmap_item for p4 frees p2's and p3's rmap_items;
// remove_rmap_item_from_tree(p2) -> ksm_get_folio(D2) finds it stale ->
// remove_node_from_stable_tree(D2): shared 1, sharing 1, D2 leaves the
// chain (dups 1). p4: stable_tree_search -> chain_prune -> stable_node_dup
// (virtual time stands still: no prune) finds D1 alone: the chain collapses
// (rb_replace_node by D1, chains 0, dups 0); D1 is full: NULL; p4 back into
// the unstable tree.
TEST_CASE("v6.15: a chain whose other dup went stale collapses into its last dup", "[v6.15]") {
  M615 m;
  REQUIRE(m.k.ksm.sysfs_store("max_page_sharing", "2") == 1);
  REQUIRE(m.k.ksm.sysfs_store("smart_scan", "0") == 1);
  auto [mm, s] = m.process("A", 1, {X_WORD, X_WORD, X_WORD, X_WORD, X_WORD});
  m.ksm().ksm_run = 1;
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("stable_node_chains") == 1);
  REQUIRE(m.show("stable_node_dups") == 2);
  REQUIRE(m.k.do_munmap(mm, s + 2 * P, 2 * P) == 0);
  m.full_scan();
  CHECK(m.show("pages_shared") == 1);
  CHECK(m.show("pages_sharing") == 1);
  CHECK(m.show("pages_unshared") == 1);
  CHECK(m.show("stable_node_chains") == 0);
  CHECK(m.show("stable_node_dups") == 0);
  CHECK(mm->ksm_merging_pages == 2);
  CHECK(mm->ksm_rmap_items == 3);
}

// What `ksmsim compare --kernel v6.15` sets beside the live kernel's. A's
// two equal pages: scan 1 checksums them (pages_scanned 2), scan 2 merges
// them (4): pages_shared 1, pages_sharing 1. general_profit is
// (pages_sharing + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items *
// sizeof(struct ksm_rmap_item) = 4096 - 2 * 64 = 3968 (general_profit_show);
// ksm_stat's ksm_process_profit is (ksm_merging_pages + zero pages) *
// PAGE_SIZE - ksm_rmap_items * 64 = 8192 - 128 = 8064 (ksm_process_profit).
TEST_CASE("v6.15: an expect checkpoint holds the 6.x counters and each process's ksm_stat",
          "[v6.15]") {
  const char *text = "scenario: checkpoint-6x\n"
                     "ksm: {pages_to_scan: 100}\n"
                     "steps:\n"
                     "  - spawn: A\n"
                     "  - mmap: {mm: A, vma: heap, pages: 2}\n"
                     "  - write: {mm: A, vma: heap, pages: 0-1, fill: 'x'}\n"
                     "  - madvise: {mm: A, vma: heap, advice: mergeable}\n"
                     "  - sysfs: {run: 1}\n"
                     "  - wait: {full_scans: 2}\n"
                     "  - expect: {pages_shared: 1}\n";
  RunOptions opt;
  opt.kernel = "v6.15";
  RunResult r = run_scenario(scenario::parse_text(text, "checkpoint-6x.yaml"), opt);
  REQUIRE(r.checkpoints.size() == 1);
  const RunResult::Checkpoint &cp = r.checkpoints[0];
  CHECK(cp.counters.at("pages_scanned") == 4);
  CHECK(cp.counters.at("pages_skipped") == 0);
  CHECK(cp.counters.at("pages_sharing") == 1);
  CHECK(cp.counters.at("general_profit") == 3968);
  CHECK(cp.counters.at("ksm_zero_pages") == 0);
  CHECK(cp.counters.at("stable_node_chains") == 0);
  CHECK(cp.counters.at("stable_node_dups") == 0);
  CHECK(cp.mm_stats.at("A").at("ksm_rmap_items") == 2);
  CHECK(cp.mm_stats.at("A").at("ksm_merging_pages") == 2);
  CHECK(cp.mm_stats.at("A").at("ksm_process_profit") == 8064);
  CHECK(cp.mm_stats.at("A").at("ksm_zero_pages") == 0);
  // v3.9 has none of the 6.x files, and of ksm_stat only what it counts.
  opt.kernel = "v3.9";
  RunResult r39 = run_scenario(scenario::parse_text(text, "checkpoint-6x.yaml"), opt);
  CHECK(r39.checkpoints[0].counters.count("pages_scanned") == 0);
  CHECK(r39.checkpoints[0].mm_stats.at("A").size() == 1);
}
