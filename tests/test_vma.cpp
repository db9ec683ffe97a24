// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the address-space layout and the vma machinery of Linux 3.9 on
// x86-64: mmap_base (arch/x86/mm/mmap.c), arch_get_unmapped_area_topdown
// (arch/x86/kernel/sys_x86_64.c, unmapped_area_topdown in mm/mmap.c),
// vma_merge / vma_adjust / __split_vma (mm/mmap.c) from mmap_region and
// madvise_behavior (mm/madvise.c), mbind_range (mm/mempolicy.c), and the
// zonelists of mm/page_alloc.c. Expected values are worked out from those
// sources, not taken from a run.

#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "catch.h"

#include <vector>

using namespace ksmsim;

namespace {

struct Machine : testing::MachineBase {
  explicit Machine(int nodes = 1) : MachineBase(nodes, KernelProfile{}) {}
  std::vector<vm_area_struct *> vmas(mm_struct *mm) {
    std::vector<vm_area_struct *> v;
    for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
      v.push_back(vma);
    return v;
  }
};

constexpr std::uint64_t P = PAGE_SIZE;
// mmap_base(): TASK_SIZE_MAX (1 << 47) - 4096 = 0x7ffffffff000, minus the
// gap: RLIMIT_STACK 8 MiB is below MIN_GAP (128 MiB + 0, no randomisation).
constexpr std::uint64_t MMAP_BASE = 0x7ffffffff000 - 0x8000000;

} // namespace

TEST_CASE("mmap_base is TASK_SIZE minus the 128 MiB minimum gap", "[vma][layout]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  CHECK(a->mmap_base == 0x7ffff7fff000);
  CHECK(a->mmap_base == MMAP_BASE);
  mm_struct *c = m.k.do_fork(a, "C", 1001); // dup_mm copies the mm_struct
  CHECK(c->mmap_base == MMAP_BASE);
}

TEST_CASE("a later mmap goes below the earlier one, and merges with it", "[vma][layout][merge]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  // No vma: the highest gap ends at mmap_base (found_highest): addr = base - len.
  std::uint64_t s1 = m.k.do_mmap_anon(a, 8, -1);
  CHECK(s1 == MMAP_BASE - 8 * P);
  // The gap above the first vma is empty (highest_vm_end == mmap_base); the
  // gap below it is [0, s1): its top 4 pages.
  std::uint64_t s2 = m.k.do_mmap_anon(a, 4, -1);
  CHECK(s2 == s1 - 4 * P);
  // mmap_region -> vma_merge(prev NULL): next is the first vma, end ==
  // next->vm_start, same flags, no anon_vma on either side, and next's pgoff
  // (s1 >> 12) == pgoff + pglen ((s2 >> 12) + 4): case 3, next grows down.
  auto v = m.vmas(a);
  REQUIRE(v.size() == 1);
  CHECK(v[0]->vm_start == s2);
  CHECK(v[0]->vm_end == MMAP_BASE);
  CHECK(v[0]->vm_pgoff == s2 >> PAGE_SHIFT);
  m.check_invariants();
}

TEST_CASE("mmaps of other flags or policies stay apart, madvise joins equal flags",
          "[vma][merge][madvise]") {
  Machine m(2);
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s1 = m.k.do_mmap_anon(a, 8, -1);
  for (int i = 0; i < 8; i++)
    m.write(a, s1 + i * P, 0x100 + i);
  struct anon_vma *av1 = m.k.find_vma(a, s1)->anon_vma;
  REQUIRE(av1);
  REQUIRE(m.k.sys_madvise(a, s1, 8 * P, MADV_MERGEABLE) == 0);

  // Below the first, but VM_MERGEABLE differs: is_mergeable_vma refuses.
  std::uint64_t s2 = m.k.do_mmap_anon(a, 4, -1);
  CHECK(s2 == s1 - 4 * P);
  REQUIRE(m.vmas(a).size() == 2);
  // A policy of its own (mbind_range after mmap_region): mpol_equal refuses.
  std::uint64_t s3 = m.k.do_mmap_anon(a, 2, 1);
  CHECK(s3 == s2 - 2 * P);
  REQUIRE(m.vmas(a).size() == 3);
  CHECK(m.k.find_vma(a, s3)->node == 1);

  // madvise(MERGEABLE) of all of the second: vma_merge(prev = the third,
  // s2, s1): prev's policy differs; next (after area, whose vm_end == end)
  // is the first: same new flags, the area has no anon_vma, the first's
  // chain is singular -> case 8: the area grows over the first, imports its
  // anon_vma (vma_adjust's exporter/importer) and the first goes away.
  REQUIRE(m.k.sys_madvise(a, s2, 4 * P, MADV_MERGEABLE) == 0);
  auto v = m.vmas(a);
  REQUIRE(v.size() == 2);
  CHECK(v[1]->vm_start == s2);
  CHECK(v[1]->vm_end == MMAP_BASE);
  CHECK(v[1]->vm_pgoff == s2 >> PAGE_SHIFT);
  CHECK(v[1]->vm_flags & VM_MERGEABLE);
  CHECK(v[1]->anon_vma == av1);
  // The first's pages are still found through the rmap in the joined vma.
  page *p = m.mapped(a, s1 + 3 * P);
  REQUIRE(p);
  CHECK(m.k.page_address_in_vma(p, v[1]) == s1 + 3 * P);
  m.check_invariants();
}

TEST_CASE("madvise of part of a vma splits it, undoing it merges the three back",
          "[vma][merge][madvise]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 8, -1);
  for (int i = 0; i < 8; i++)
    m.write(a, s + i * P, 7);
  struct anon_vma *av = m.k.find_vma(a, s)->anon_vma;
  // Pages 2-3: vma_merge(prev = the vma itself, start > vm_start) cannot
  // merge; split_vma(start, new_below 1) and split_vma(end, 0).
  REQUIRE(m.k.sys_madvise(a, s + 2 * P, 2 * P, MADV_MERGEABLE) == 0);
  auto v = m.vmas(a);
  REQUIRE(v.size() == 3);
  CHECK(v[0]->vm_end == s + 2 * P);
  CHECK(v[1]->vm_start == s + 2 * P);
  CHECK(v[1]->vm_end == s + 4 * P);
  CHECK(v[1]->vm_flags & VM_MERGEABLE);
  CHECK_FALSE(v[2]->vm_flags & VM_MERGEABLE);
  CHECK(v[1]->anon_vma == av);
  CHECK(v[2]->vm_pgoff == (s >> PAGE_SHIFT) + 4);

  // Back to the old flags: vma_merge(prev = v[0], s+2, s+4): prev ends at
  // addr, can_vma_merge_after (same anon_vma, pgoff contiguous); next (v[2],
  // as area v[1] ends at end) merges too: cases 1/6, remove_next twice.
  REQUIRE(m.k.sys_madvise(a, s + 2 * P, 2 * P, MADV_UNMERGEABLE) == 0);
  v = m.vmas(a);
  REQUIRE(v.size() == 1);
  CHECK(v[0]->vm_start == s);
  CHECK(v[0]->vm_end == s + 8 * P);
  CHECK(v[0]->anon_vma == av);
  CHECK(av->vmas.size() == 1); // anon_vma_merge unlinked the two removed vmas
  m.check_invariants();
}

TEST_CASE("madvise of the end of a vma moves the boundary into the next (case 4)",
          "[vma][merge][madvise]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 8, -1);
  REQUIRE(m.k.sys_madvise(a, s + 4 * P, 4 * P, MADV_MERGEABLE) == 0); // split at s+4
  REQUIRE(m.vmas(a).size() == 2);
  // Pages 2-3 of the first: prev = that vma (start > vm_start); next, its
  // successor, starts at end with the new flags: case 4, prev shrinks to
  // s+2 and next grows down to s+2 (adjust_next < 0).
  REQUIRE(m.k.sys_madvise(a, s + 2 * P, 2 * P, MADV_MERGEABLE) == 0);
  auto v = m.vmas(a);
  REQUIRE(v.size() == 2);
  CHECK(v[0]->vm_end == s + 2 * P);
  CHECK(v[1]->vm_start == s + 2 * P);
  CHECK(v[1]->vm_pgoff == (s >> PAGE_SHIFT) + 2);
  CHECK(v[1]->vm_flags & VM_MERGEABLE);
}

TEST_CASE("fork copies the vma list as it is", "[vma][fork]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 8, -1);
  m.write(a, s, 1);
  REQUIRE(m.k.sys_madvise(a, s + 2 * P, 2 * P, MADV_MERGEABLE) == 0);
  mm_struct *c = m.k.do_fork(a, "C", 1001);
  auto pv = m.vmas(a), cv = m.vmas(c);
  REQUIRE(cv.size() == 3);
  for (std::size_t i = 0; i < 3; i++) {
    CHECK(cv[i]->vm_start == pv[i]->vm_start);
    CHECK(cv[i]->vm_end == pv[i]->vm_end);
    CHECK(cv[i]->vm_flags == pv[i]->vm_flags);
  }
  // The child's vmas have two anon_vmas in their chains (anon_vma_fork):
  // is_mergeable_anon_vma refuses them a neighbour without one.
  std::uint64_t s2 = m.k.do_mmap_anon(c, 1, -1);
  CHECK(s2 == s - P);
  CHECK(m.vmas(c).size() == 4);
  m.check_invariants();
}

TEST_CASE("munmap splits the first and last vmas at the range's ends", "[vma][munmap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 8, -1);
  REQUIRE(m.k.do_munmap(a, s + 2 * P, 4 * P) == 0);
  auto v = m.vmas(a);
  REQUIRE(v.size() == 2);
  CHECK(v[0]->vm_end == s + 2 * P);
  CHECK(v[1]->vm_start == s + 6 * P);
  // The next mmap of 4 pages: the highest gap that fits below mmap_base is
  // the hole just made: [s+2, s+6) exactly, and it merges with both sides
  // (vma_merge case 1: prev absorbs the new range and next).
  std::uint64_t s2 = m.k.do_mmap_anon(a, 4, -1);
  CHECK(s2 == s + 2 * P);
  v = m.vmas(a);
  REQUIRE(v.size() == 1);
  CHECK(v[0]->vm_start == s);
  CHECK(v[0]->vm_end == s + 8 * P);
  CHECK(m.k.do_munmap(a, s + 1, P) == -EINVAL);
}

TEST_CASE("zonelists: local node first, equal-distance nodes round-robin", "[numa][zonelist]") {
  // build_zonelists per node with one shared node_load (page_alloc.c):
  // worked out by hand with distances 10/20 and every node having CPUs.
  Machine m(4);
  CHECK(m.k.node_zonelist(0) == std::vector<int>{0, 1, 2, 3});
  CHECK(m.k.node_zonelist(1) == std::vector<int>{1, 2, 3, 0});
  CHECK(m.k.node_zonelist(2) == std::vector<int>{2, 3, 0, 1});
  CHECK(m.k.node_zonelist(3) == std::vector<int>{3, 0, 1, 2});
}

TEST_CASE("a default-policy fault falls back to the next node, MPOL_BIND does not",
          "[numa][zonelist]") {
  Machine m(2); // 4096 frames a node; node 0's first is the zero page
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 4096, -1);
  for (int i = 0; i < 4095; i++)
    REQUIRE(m.fault(a, s + i * P, true) == 0);
  CHECK(m.k.page_to_nid(m.mapped(a, s + 4094 * P)) == 0);
  // Node 0 is full: get_page_from_freelist takes node 1, next in node 0's zonelist.
  CHECK(m.fault(a, s + 4095 * P, true) == 0);
  CHECK(m.k.page_to_nid(m.mapped(a, s + 4095 * P)) == 1);
  // Bound to node 0 (policy_nodemask): no fallback, VM_FAULT_OOM.
  std::uint64_t b = m.k.do_mmap_anon(a, 1, 0);
  CHECK(m.fault(a, b, true) == VM_FAULT_OOM);
  CHECK(pte_none(m.pte_val(a, b)));
  // Migration allocates with GFP_THISNODE: node 0 has no frame for it.
  m.k.migrate_prep();
  CHECK(m.k.migrate_page_to_node(m.mapped(a, s + 4095 * P), 0) == -ENOMEM);
  m.check_invariants();
}
