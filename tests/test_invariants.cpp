// SPDX-License-Identifier: GPL-2.0-only
//
// The invariant checker (model/check/invariants.cpp) counts ptes per frame
// and per swap slot in one byte each, with counts of 255 and more kept
// aside: a page mapped 300 times must count as 300 either way.

#include "model/check/invariants.h"
#include "model/check/touch_log.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "tests/catch.h"

#include <string>
#include <vector>

using namespace ksmsim;

namespace {
struct Machine : testing::MachineBase {
  Machine() : MachineBase(1, KernelProfile{}) {}
};

bool mentions(const std::vector<std::string> &v, const std::string &what) {
  for (const std::string &s : v)
    if (s.find(what) != std::string::npos)
      return true;
  return false;
}
} // namespace

TEST_CASE("invariants: a page mapped by 300 ptes counts 300", "[invariants]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, start, 0x6161616161616161ULL);
  // fork copies the pte and takes a mapcount for each child (copy_one_pte).
  for (int i = 1; i < 300; i++)
    REQUIRE(m.k.do_fork(a, "C" + std::to_string(i), 1000 + i));
  REQUIRE(Kernel::page_mapcount(p) == 300);
  m.check_invariants();

  SECTION("one mapcount too many is seen past the byte's range") {
    p->_mapcount++;
    std::vector<std::string> v = InvariantChecker::check(m.k);
    CHECK(mentions(v, "has mapcount 301 but 300 ptes map it"));
  }
  SECTION("one too few, too") {
    p->_mapcount--;
    std::vector<std::string> v = InvariantChecker::check(m.k);
    CHECK(mentions(v, "has mapcount 299 but 300 ptes map it"));
  }
}

TEST_CASE("invariants: a swap pte beyond the swap device is reported", "[invariants]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  // The test machine has 64 swap slots; a pte naming slot 65 is corrupt.
  *m.k.pte_offset(a, start, true) = swp_entry_to_pte(65);
  std::vector<std::string> v = InvariantChecker::check(m.k);
  CHECK(mentions(v, "a swap pte beyond the swap device"));
}

TEST_CASE("invariants: the incremental check sees what a step did to the frames it touched",
          "[invariants]") {
  Machine m;
  TouchLog log(1 << 16);
  m.k.touch = &log;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 2, -1);
  page *p = m.write(a, start, 0x6161616161616161ULL);
  REQUIRE_FALSE(log.full());
  CHECK(InvariantChecker::check_touched(m.k, log).empty());
  log.reset(m.k.ksm.entries());

  SECTION("a mapcount changed along a pte store that does not match") {
    m.write(a, start + PAGE_SIZE, 0x6262626262626262ULL); // touches another frame
    log.mapcount_before(m.k.page_to_pfn(p), Kernel::page_mapcount(p));
    p->_mapcount++; // as if an rmap call forgot its pte
    std::vector<std::string> v = InvariantChecker::check_touched(m.k, log);
    CHECK(mentions(v, "has mapcount 2 but 1 ptes map it"));
  }
  SECTION("a refcount dropped below the mapcount") {
    m.k.get_page(p);
    m.k.put_page(p); // logged: the refcount fell
    p->_count = 0;   // (as a put_page too many would leave it, without freeing)
    std::vector<std::string> v = InvariantChecker::check_touched(m.k, log);
    CHECK(mentions(v, "a pte maps freed page"));
  }
  SECTION("a swap entry or too many entries: the whole machine is checked") {
    log.need_full();
    p->_mapcount++; // not logged: only a whole-machine check sees it
    std::vector<std::string> v = InvariantChecker::check_touched(m.k, log);
    CHECK(mentions(v, "has mapcount 2 but 1 ptes map it"));
  }
  m.k.touch = nullptr;
}

// mm/ksm.c (3.9): an rmap_item with STABLE_FLAG has in head the stable_node
// whose hlist lists it (stable_tree_append); remove_rmap_item_from_tree
// follows it. Here a head is a stable_node_ref (ksm_types.h): bit 1 set,
// the id of a live node above it. One process, one page, one scan: its
// rmap_item has a checksum and no flag (cmp_and_merge_page returns on a
// changed checksum), so a STABLE_FLAG given to it is all that is wrong.
TEST_CASE("invariants: an rmap_item with STABLE_FLAG and no stable_node in head is reported",
          "[invariants]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, start, 0x6161616161616161ULL);
  REQUIRE(m.k.sys_madvise(a, start, PAGE_SIZE, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.k.ksm.ksm_do_scan(100);
  Ksm *ksm = ksm_v3_9(m.k);
  REQUIRE(ksm);
  rmap_item *item = nullptr;
  ksm->for_each_mm_slot([&](const mm_slot *slot) {
    if (slot->rmap_list)
      item = ksm->rmap_at(slot->rmap_list);
  });
  REQUIRE(item);
  REQUIRE((item->address & (STABLE_FLAG | UNSTABLE_FLAG)) == 0);
  REQUIRE(InvariantChecker::check(m.k).empty());
  item->address |= STABLE_FLAG;
  SECTION("bit 1 clear: a parent_color word, no stable_node_ref") {
    item->head = 1u << 2;
    CHECK(mentions(InvariantChecker::check(m.k),
                   "has STABLE_FLAG but its head 0x4 is no stable_node_ref"));
  }
  SECTION("an id no stable_node has") {
    item->head = 999u << 2 | 2;
    CHECK(mentions(InvariantChecker::check(m.k),
                   "has STABLE_FLAG but its head 0xf9e names no stable_node"));
  }
  SECTION("NULL") {
    item->head = 0;
    CHECK(mentions(InvariantChecker::check(m.k),
                   "has STABLE_FLAG but its head 0x0 is no stable_node_ref"));
  }
}

namespace {
// Two pages of one content in mm A, merged by two full scans: one
// stable_node listing both rmap_items.
struct MergedPair : Machine {
  Ksm *ksm = nullptr;
  stable_node *node = nullptr;
  MergedPair() {
    mm_struct *a = k.mm_alloc("A", 1000);
    std::uint64_t start = k.do_mmap_anon(a, 2, -1);
    write(a, start, 0x6161616161616161ULL);
    write(a, start + PAGE_SIZE, 0x6161616161616161ULL);
    REQUIRE(k.sys_madvise(a, start, 2 * PAGE_SIZE, MADV_MERGEABLE) == 0);
    REQUIRE(k.ksm.sysfs_store("run", "1\n") == 2);
    ksm = ksm_v3_9(k);
    REQUIRE(ksm);
    // The first scan records the checksums, the second merges (ksm.c's
    // cmp_and_merge_page: a page changed since the last scan is skipped).
    for (int scan = 0; scan < 3 && !ksm->ksm_pages_sharing; ++scan)
      ksm->ksm_do_scan(100);
    REQUIRE(ksm->ksm_pages_shared == 1);
    REQUIRE(ksm->ksm_pages_sharing == 1);
    ksm->for_each_stable_node([&](const stable_node *n) { node = const_cast<stable_node *>(n); });
    REQUIRE(node);
    REQUIRE(InvariantChecker::check(k).empty());
  }
};
} // namespace

TEST_CASE("invariants: an rmap_item with STABLE_FLAG and a live head but on no hlist is reported",
          "[invariants]") {
  MergedPair m;
  rmap_item *first = m.ksm->rmap_at(m.node->hlist.first);
  REQUIRE(first);
  rmap_item *second = m.ksm->rmap_at(first->hlist.next);
  REQUIRE(second);
  // Unlink the first from the list behind the port's back; its flag and
  // head stay.
  m.node->hlist.first = first->hlist.next;
  second->hlist.pprev = 0;
  CHECK(mentions(InvariantChecker::check(m.k), "2 rmap_items have STABLE_FLAG and a live "
                                               "stable_node's head but 1 are listed"));
}

TEST_CASE("invariants: a cycle in a stable_node's hlist is reported, the check ends",
          "[invariants]") {
  MergedPair m;
  rmap_item *first = m.ksm->rmap_at(m.node->hlist.first);
  rmap_item *second = m.ksm->rmap_at(first->hlist.next);
  REQUIRE(second);
  second->hlist.next = m.node->hlist.first;
  CHECK(mentions(InvariantChecker::check(m.k), "hlist does not end within 2 rmap_items"));
}
