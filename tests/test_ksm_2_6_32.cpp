// SPDX-License-Identifier: GPL-2.0-only
//
// The 2.6.32 seed's port (model/ksm/v2.6.32): what differs from v3.9.
// Every expected number is worked out from the seed's mm/ksm.c
// (/work/shared/seeds/002_ksm.c-code-only.txt), as the comments say.
#include <catch2/catch.hpp>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "machine.h"
#include "model/ksm/v2.6.32/ksm.h"

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;
const std::uint64_t A_WORD = 0x6161616161616161ULL;
const std::uint64_t B_WORD = 0x6262626262626262ULL;

KernelProfile seed_profile() {
  KernelProfile p;
  p.version = "v2.6.32";
  p.name = "v2.6.32";
  return p;
}

struct Seed : testing::MachineBase {
  explicit Seed(int nodes = 1) : MachineBase(nodes, seed_profile()) {}
  v2_6_32::Ksm &ksm() { return dynamic_cast<v2_6_32::Ksm &>(k.ksm); }
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
  // The seed never drains the LRU-add pagevecs, whose reference fails
  // write_protect_page's count check: drain them as reclaim would have.
  void full_scan() {
    k.lru_add_drain();
    const std::uint64_t before = ksm().ksm_scan.seqnr;
    k.ksm.ksm_do_scan(100000);
    REQUIRE(ksm().ksm_scan.seqnr == before + 1);
    check_invariants();
  }
};

} // namespace

TEST_CASE("v2.6.32: only the seed's sysfs files, with its defaults", "[v2.6.32]") {
  Seed m;
  // ksm_attrs: sleep_millisecs, pages_to_scan, run, max_kernel_pages,
  // pages_shared, pages_sharing; none has an initialiser: all 0.
  CHECK(m.k.ksm.sysfs_files() == std::vector<std::string>{"sleep_millisecs", "pages_to_scan", "run",
                                                          "max_kernel_pages", "pages_shared",
                                                          "pages_sharing"});
  for (const char *f : {"sleep_millisecs", "pages_to_scan", "run", "max_kernel_pages"})
    CHECK(m.show(f) == 0);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("full_scans", "0\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("pages_shared", "0\n") == -EACCES);
  std::uint64_t v;
  CHECK_FALSE(m.k.ksm.sysfs_show("full_scans", &v));
  CHECK_FALSE(m.k.ksm.sysfs_show("pages_unshared", &v));
  // strict_strtoul: no '+', one trailing newline; run > 2 is EINVAL.
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "+5\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "5\n") == 2);
  CHECK(m.k.ksm.sysfs_store("run", "3\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("max_kernel_pages", "7\n") == 2);
  CHECK(m.show("max_kernel_pages") == 7);
}

TEST_CASE("v2.6.32: the stable tree's node is an rmap_item, the KSM page a new frame",
          "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  const std::uint64_t a_pfn = m.k.page_to_pfn(m.mapped(a, sa));
  const std::uint64_t b_pfn = m.k.page_to_pfn(m.mapped(b, sb));
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan(); // scan 1: checksums recorded (oldchecksum was 0)
  CHECK(m.show("pages_shared") == 0);
  m.full_scan(); // scan 2: A0 into the unstable tree, B0 meets it
  // try_to_merge_two_pages: kpage from alloc_page, both mapped on it
  // (sharing += 2); stable_tree_insert makes A's rmap_item the node
  // (shared 1), B's is appended: pages_sharing shows 2 - 1.
  CHECK(m.show("pages_shared") == 1);
  CHECK(m.show("pages_sharing") == 1);
  page *kp = m.mapped(a, sa);
  REQUIRE(kp == m.mapped(b, sb));
  CHECK(Kernel::PageKsm(kp));
  CHECK(m.k.page_to_pfn(kp) != a_pfn);
  CHECK(m.k.page_to_pfn(kp) != b_pfn);
  CHECK(Kernel::page_mapcount(kp) == 2);
  CHECK_FALSE(Kernel::PageLRU(kp));           // never put on an LRU list
  CHECK(m.k.page_stable_node(kp) == nullptr); // no stable_node in the mapping
  rb_node *root = m.ksm().root_stable_tree.rb_node;
  REQUIRE(root);
  CHECK(root->rb_left == nullptr);
  CHECK(root->rb_right == nullptr);
  v2_6_32::rmap_item *node = v2_6_32::rmap_of_node(root);
  CHECK(node->mm == a);
  CHECK((node->address & v2_6_32::NODE_FLAG));
  CHECK((node->address & v2_6_32::STABLE_FLAG));
  REQUIRE(node->next);
  CHECK(node->next->mm == b);
  CHECK(node->next->prev == node);
  CHECK(node->next->next == nullptr);
  CHECK_FALSE((node->next->address & v2_6_32::NODE_FLAG));
}

TEST_CASE("v2.6.32: max_kernel_pages stops new KSM pages", "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("max_kernel_pages", "1\n") == 2);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0, A1 into the unstable tree; B0 meets A0: one KSM page
  // (shared 1); B1 meets A1, but try_to_merge_two_pages refuses: 1 <= 1.
  CHECK(m.show("pages_shared") == 1);
  CHECK(m.show("pages_sharing") == 1);
  CHECK(m.mapped(a, sa) == m.mapped(b, sb));
  CHECK(m.mapped(a, sa + P) != m.mapped(b, sb + P));
  REQUIRE(m.k.ksm.sysfs_store("max_kernel_pages", "0\n") == 2); // 0: unlimited
  m.full_scan(); // scan 3: B1 meets A1 again (unstable tree rebuilt): merged
  CHECK(m.show("pages_shared") == 2);
  CHECK(m.mapped(a, sa + P) == m.mapped(b, sb + P));
}

TEST_CASE("v2.6.32: run=2 unmerges everything and keeps the mm_slots", "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("pages_shared") == 1);
  // unmerge_and_remove_all_rmap_items: break_ksm on every page of every
  // mergeable vma, then every rmap_item freed; the cursor is already at
  // ksm_mm_head (a full scan just ended), so seqnr stays 2.
  REQUIRE(m.k.ksm.sysfs_store("run", "2\n") == 2);
  CHECK(m.show("run") == 2);
  CHECK(m.show("pages_shared") == 0);
  CHECK(m.show("pages_sharing") == 0);
  CHECK(m.k.ksm.rmap_items() == 0);
  CHECK(m.k.ksm.slot_figures().size() == 2);
  CHECK(m.ksm().ksm_scan.seqnr == 2);
  CHECK_FALSE(Kernel::PageKsm(m.mapped(a, sa)));
  CHECK_FALSE(Kernel::PageKsm(m.mapped(b, sb)));
  CHECK(m.mapped(a, sa) != m.mapped(b, sb));
  CHECK_FALSE(m.k.ksm.ksmd_should_run());
  m.check_invariants();
}

TEST_CASE("v2.6.32: a KSM page is neither swapped out nor migrated", "[v2.6.32]") {
  Seed m(2);
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  page *kp = m.mapped(a, sa);
  REQUIRE(Kernel::PageKsm(kp));
  // Reclaim and migration isolate from the LRU first; kpage never was on it.
  CHECK_FALSE(m.k.shrink_page(kp, false));
  CHECK(m.mapped(a, sa) == kp);
  CHECK(m.k.migrate_page_to_node(kp, 1) == -EBUSY);
  CHECK(m.mapped(b, sb) == kp);
  CHECK(m.k.page_to_nid(kp) == 0);
  m.check_invariants();
}

TEST_CASE("profiles: kernels:, if_kernel, and a counter the profile lacks", "[v2.6.32][parser]") {
  using namespace ksmsim::scenario;
  const std::string text = "scenario: t\n"
                           "kernels: [v3.9, v2.6.32]\n"
                           "steps:\n"
                           "  - expect: {if_kernel: v3.9, full_scans: 0}\n"
                           "  - expect: {if_not_kernel: v3.9, max_kernel_pages: 0}\n";
  Scenario s = parse_text(text, "t.yaml");
  CHECK(s.kernels == std::vector<std::string>{"v3.9", "v2.6.32"});
  CHECK(s.kernel.version == "v3.9"); // no kernel: line: the first listed
  for (const char *version : {"v3.9", "v2.6.32"}) {
    RunOptions o;
    o.kernel = version;
    CHECK(run_scenario(s, o).exit_code == 0); // each block only where its counter exists
  }
  // Without the guard, v2.6.32 has no full_scans file: a defect of the file.
  Scenario bad =
      parse_text("scenario: t\nkernel: v2.6.32\nsteps:\n  - expect: {full_scans: 0}\n", "bad.yaml");
  try {
    run_scenario(bad, RunOptions{});
    FAIL("no ScenarioError");
  } catch (const ScenarioError &e) {
    CHECK(std::string(e.what()).find("bad.yaml:4:") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_text("scenario: t\nkernel: {version: v2.6.32, without: [uptodate-copy]}\n"
                             "steps:\n  - sleep: 1ms\n",
                             "w.yaml"),
                  ScenarioError);
  CHECK_THROWS_AS(
      parse_text("scenario: t\nkernel: v2.6.32\nkernels: [v3.9]\nsteps:\n  - sleep: 1ms\n",
                 "k.yaml"),
      ScenarioError);
}
