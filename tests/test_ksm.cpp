// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the Linux 3.9 mm/ksm.c port (model/ksm/v3.9/ksm.h) through its public
// entry points: the sysfs stores and shows, madvise, ksmd's ksm_do_scan,
// fork/exit, the fault paths that meet KSM pages, ksm_might_need_to_copy
// and rmap_walk_ksm, under the v3.9 profile and without cbf86cfe04's fixes.
// Every expected value is derived from the 3.9 sources (see the comments).

#include "model/check/invariants.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"
#include "sim/run/expect.h"
#include "tests/machine.h"

#include "catch.h"

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;
const std::uint64_t A_WORD = 0x6161616161616161ULL; // fill 'a'
const std::uint64_t B_WORD = 0x6262626262626262ULL; // fill 'b'

struct Machine : testing::MachineBase {
  explicit Machine(KernelProfile prof = KernelProfile{}, int nodes = 1)
      : MachineBase(nodes, prof) {}

  // A process with one vma of n pages, each written with words[i].
  std::pair<mm_struct *, std::uint64_t> process(const std::string &name, int pid,
                                                const std::vector<std::uint64_t> &words,
                                                bool mergeable = true) {
    mm_struct *mm = k.mm_alloc(name, pid);
    std::uint64_t s = k.do_mmap_anon(mm, words.size(), -1);
    for (std::size_t i = 0; i < words.size(); i++)
      write(mm, s + i * P, words[i]);
    if (mergeable)
      REQUIRE(k.sys_madvise(mm, s, words.size() * P, MADV_MERGEABLE) == 0);
    return {mm, s};
  }
  std::uint64_t show(const char *name) {
    std::uint64_t v = ~0ULL;
    REQUIRE(k.ksm.sysfs_show(name, &v));
    return v;
  }
  // One ksmd batch big enough to end at the end of the full scan.
  void full_scan() {
    const std::uint64_t before = show("full_scans");
    k.ksm.ksm_do_scan(100000);
    REQUIRE(show("full_scans") == before + 1);
  }
  void check_counters(std::uint64_t shared, std::uint64_t sharing, std::uint64_t unshared,
                      std::uint64_t volatile_, std::uint64_t full_scans) {
    CHECK(show("pages_shared") == shared);
    CHECK(show("pages_sharing") == sharing);
    CHECK(show("pages_unshared") == unshared);
    CHECK(show("pages_volatile") == volatile_);
    CHECK(show("full_scans") == full_scans);
  }
  // The mm_slots in ksm_mm_head's list order, by mm name.
  std::vector<std::string> slot_order() {
    static_assert(offsetof(mm_slot, mm_list) == 0, "mm_list is mm_slot's first member");
    std::vector<std::string> out;
    const list_node *head = &v39().ksm_mm_head.mm_list;
    for (const list_node *n = head->next; n != head; n = n->next)
      out.push_back(reinterpret_cast<const mm_slot *>(n)->mm->name);
    return out;
  }
};

// A and B with one 'a' page each, merged by two full scans.
struct Merged : Machine {
  mm_struct *a, *b;
  std::uint64_t sa, sb;
  std::uint64_t a_pfn, b_pfn;
  explicit Merged(KernelProfile prof = KernelProfile{}) : Machine(prof) {
    std::tie(a, sa) = process("A", 1000, {A_WORD});
    std::tie(b, sb) = process("B", 1001, {A_WORD});
    a_pfn = k.page_to_pfn(mapped(a, sa));
    b_pfn = k.page_to_pfn(mapped(b, sb));
    REQUIRE(k.ksm.sysfs_store("run", "1\n") == 2);
    full_scan();
    full_scan();
    // B0 met A0 in the unstable tree: B's page became the KSM page.
    REQUIRE(mapped(a, sa) == mapped(b, sb));
    REQUIRE(k.page_to_pfn(mapped(b, sb)) == b_pfn);
  }
  page *kpage() { return k.pfn_to_page(b_pfn); }
};

} // namespace

// ------------------------------------------------------------------ sysfs

TEST_CASE("sysfs: good stores return the byte count and set the knob", "[ksm][sysfs]") {
  Machine m;
  CHECK(m.show("run") == 0);
  CHECK(m.show("pages_to_scan") == 100);
  CHECK(m.show("sleep_millisecs") == 20);
  CHECK(m.show("merge_across_nodes") == 1);

  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "1000\n") == 5);
  CHECK(m.show("pages_to_scan") == 1000);
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "4294967295\n") == 11); // UINT_MAX is allowed
  CHECK(m.show("pages_to_scan") == 4294967295ULL);
  CHECK(m.k.ksm.sysfs_store("sleep_millisecs", "0") == 1); // no newline needed
  CHECK(m.show("sleep_millisecs") == 0);
  CHECK(m.k.ksm.sysfs_store("run", "+1\n") == 3); // kstrtoul takes a leading '+'
  CHECK(m.show("run") == 1);
  CHECK(m.k.ksm.sysfs_store("run", "1\n") == 2); // the same value again
  CHECK(m.show("run") == 1);
  CHECK(m.k.ksm.sysfs_store("run", "0\n") == 2);
  CHECK(m.show("run") == 0);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "1\n") == 2); // unchanged: no checks
}

TEST_CASE("sysfs: refused stores return the kernel's errno and change nothing", "[ksm][sysfs]") {
  Machine m;
  // run_store: strict_strtoul then flags > KSM_RUN_UNMERGE -> -EINVAL
  CHECK(m.k.ksm.sysfs_store("run", "3\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "abc") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "1\n\n") == -EINVAL); // one trailing newline only
  CHECK(m.k.ksm.sysfs_store("run", " 1") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "-1") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("run", "0x1") == -EINVAL); // base 10
  // an overflow is -ERANGE from kstrtoul, which run_store turns into -EINVAL
  CHECK(m.k.ksm.sysfs_store("run", "18446744073709551616\n") == -EINVAL);
  CHECK(m.show("run") == 0);

  // pages_to_scan / sleep_millisecs: > UINT_MAX -> -EINVAL
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "4294967296\n") == -EINVAL);
  CHECK(m.show("pages_to_scan") == 100);
  CHECK(m.k.ksm.sysfs_store("sleep_millisecs", "4294967296") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("sleep_millisecs", "2O") == -EINVAL);
  CHECK(m.show("sleep_millisecs") == 20);

  // merge_across_nodes_store returns kstrtoul's error as it is
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "2\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "x\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "18446744073709551616\n") == -ERANGE);
  CHECK(m.show("merge_across_nodes") == 1);

  // read-only files (mode 0444): the VFS refuses the open for write
  for (const char *ro :
       {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans"}) {
    INFO(ro);
    CHECK(m.k.ksm.sysfs_store(ro, "0\n") == -EACCES);
  }
  // files 3.9 does not have
  CHECK(m.k.ksm.sysfs_store("max_page_sharing", "2\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("use_zero_pages", "1\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("bogus", "1\n") == -ENOENT);
  std::uint64_t v = 0;
  CHECK_FALSE(m.k.ksm.sysfs_show("bogus", &v));
  CHECK_FALSE(m.k.ksm.sysfs_show("max_page_sharing", &v));
}

TEST_CASE("sysfs: pages_volatile is rmap_items net of the others, clamped at 0", "[ksm][sysfs]") {
  Machine m;
  m.v39().ksm_rmap_items = 10;
  m.v39().ksm_pages_shared = 1;
  m.v39().ksm_pages_sharing = 2;
  m.v39().ksm_pages_unshared = 3;
  CHECK(m.show("pages_volatile") == 4);
  // the unlocked computation can go negative: pages_volatile_show hides it
  m.v39().ksm_rmap_items = 3;
  m.v39().ksm_pages_shared = 5;
  m.v39().ksm_pages_sharing = 0;
  m.v39().ksm_pages_unshared = 0;
  CHECK(m.show("pages_volatile") == 0);
  m.v39().ksm_rmap_items = 6;
  m.v39().ksm_pages_unshared = 1;
  CHECK(m.show("pages_volatile") == 0); // exactly 0
  m.v39().ksm_rmap_items = m.v39().ksm_pages_shared = m.v39().ksm_pages_unshared = 0;
}

TEST_CASE("sysfs: merge_across_nodes cannot change while pages are shared", "[ksm][sysfs]") {
  KernelProfile prof;
  Machine m(prof, 2);
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("pages_shared") == 1);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == -EBUSY);
  CHECK(m.show("merge_across_nodes") == 1);
  CHECK(m.v39().ksm_nr_node_ids == 1);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "1\n") == 2); // no change: accepted

  // After run=2 nothing is shared: the switch is allowed.
  CHECK(m.k.ksm.sysfs_store("run", "2\n") == 2);
  REQUIRE(m.show("pages_shared") == 0);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == 2);
  CHECK(m.show("merge_across_nodes") == 0);
  CHECK(m.v39().ksm_nr_node_ids == 2);
  m.check_invariants();
}

// --------------------------------------------------------------- scanning

TEST_CASE("scan: the first full scan only records checksums", "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  CHECK(m.slot_order() == std::vector<std::string>{"A", "B"});
  CHECK(m.k.ksm.sysfs_store("run", "1\n") == 2);
  page *a0 = m.mapped(a, sa);
  // a new rmap_item is zeroed: it merges nothing unless the checksum is 0
  REQUIRE(m.k.contents.checksum(a0->content) != 0);

  m.full_scan();
  // 3 rmap_items, each only took oldchecksum: all volatile.
  CHECK(m.v39().ksm_rmap_items == 3);
  m.check_counters(0, 0, 0, 3, 1);
  CHECK(mm_ksm_stat(m.k, a).ksm_rmap_items == 2);
  CHECK(mm_ksm_stat(m.k, b).ksm_rmap_items == 1);
  CHECK(m.k.frames_in_use() == 3);
  CHECK_FALSE(Kernel::PageKsm(a0));
  CHECK(pte_write(m.pte_val(a, sa))); // nothing was write-protected
  m.check_invariants();
}

TEST_CASE("scan: the second full scan merges two identical pages", "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  const std::uint64_t a_pfn = m.k.page_to_pfn(m.mapped(a, sa)),
                      b_pfn = m.k.page_to_pfn(m.mapped(b, sb));
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0 goes into the unstable tree (unshared 1); B0 finds it:
  // try_to_merge_two_pages makes B's page the KSM page and replaces A's pte;
  // A0 is rb_erased (age 0, unshared 0); both items appended: shared 1, sharing 1.
  m.check_counters(1, 1, 0, 0, 2);
  page *kp = m.mapped(a, sa);
  REQUIRE(kp);
  CHECK(kp == m.mapped(b, sb));
  CHECK(m.k.page_to_pfn(kp) == b_pfn);
  CHECK(Kernel::PageKsm(kp));
  CHECK(Kernel::page_mapcount(kp) == 2);
  CHECK(Kernel::page_count(kp) == 2);
  CHECK(m.word_of(kp) == A_WORD);
  stable_node *node = m.k.page_stable_node(kp);
  REQUIRE(node);
  CHECK(node->kpfn == b_pfn);
  CHECK(m.v39().in_stable_tree(node));
  // both ptes read-only and clean (write_protect_page, mk_pte)
  for (auto [mm, s] : {std::pair{a, sa}, std::pair{b, sb}}) {
    pte_t v = m.pte_val(mm, s);
    CHECK_FALSE(pte_write(v));
    CHECK_FALSE(pte_dirty(v));
  }
  // A's old page was freed by replace_page's put_page
  CHECK(Kernel::page_count(m.k.pfn_to_page(a_pfn)) == 0);
  CHECK(m.k.frames_in_use() == 1);
  CHECK(mm_ksm_stat(m.k, a).merged == 1);
  CHECK(mm_ksm_stat(m.k, b).merged == 1);
  m.check_invariants();

  // A third scan changes nothing: both items return early.
  m.full_scan();
  m.check_counters(1, 1, 0, 0, 3);
  CHECK(m.mapped(a, sa) == kp);
  m.check_invariants();
}

TEST_CASE("scan: a batch stops after pages_to_scan pages", "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.k.ksm.ksm_do_scan(3);
  CHECK(m.v39().ksm_rmap_items == 3);
  CHECK(m.show("full_scans") == 0);
  CHECK(m.v39().ksm_scan.mm_slot == m.v39().get_mm_slot(b)); // the cursor is on B
  m.k.ksm.ksm_do_scan(3); // B1, then the end of the scan ends the batch
  CHECK(m.v39().ksm_rmap_items == 4);
  CHECK(m.show("full_scans") == 1);
  CHECK(m.v39().ksm_scan.mm_slot == &m.v39().ksm_mm_head);
  m.check_counters(0, 0, 0, 4, 1);
}

TEST_CASE("scan: a page that changed since the last scan stays out of the unstable tree",
          "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  // A0 changes to A1's content after its checksum was taken.
  m.k.contents.set_word(m.mapped(a, sa)->content, B_WORD);
  m.full_scan();
  // A0: stable tree empty, checksum changed -> oldchecksum updated, return.
  // A1: checksum unchanged -> inserted into the unstable tree, no partner.
  m.check_counters(0, 0, 1, 1, 2);
  CHECK(m.mapped(a, sa) != m.mapped(a, sa + P));
  CHECK_FALSE(Kernel::PageKsm(m.mapped(a, sa)));
  m.check_invariants();

  m.full_scan();
  // Scan 3: A0 is unchanged now -> unstable insert; A1 finds it and merges.
  m.check_counters(1, 1, 0, 0, 3);
  CHECK(m.mapped(a, sa) == m.mapped(a, sa + P));
  CHECK(Kernel::PageKsm(m.mapped(a, sa)));
  m.check_invariants();
}

TEST_CASE("scan: a forked KSM page is appended to the stable node without a change",
          "[ksm][scan][fork]") {
  Merged m;
  mm_struct *c = m.k.do_fork(m.a, "C", 1002);
  page *kp = m.kpage();
  CHECK(Kernel::page_mapcount(kp) == 3);
  CHECK(m.mapped(c, m.sa) == kp);
  // ksm_fork -> __ksm_enter: behind the cursor (&ksm_mm_head): the tail
  CHECK(m.slot_order() == std::vector<std::string>{"A", "B", "C"});
  CHECK(m.v39().ksm_rmap_items == 2); // nothing dup'ed at fork
  const pte_t c_pte = m.pte_val(c, m.sa);
  const std::uint64_t frames = m.k.frames_in_use();

  m.full_scan();
  // C0: new rmap_item; stable_tree_search returns the page itself ("ksm page
  // forked"); try_to_merge_one_page(page == kpage) is 0 -> appended: sharing 2.
  m.check_counters(1, 2, 0, 0, 3);
  CHECK(m.v39().ksm_rmap_items == 3);
  CHECK(mm_ksm_stat(m.k, c).merged == 1);
  CHECK(m.pte_val(c, m.sa).val == c_pte.val);
  CHECK(m.k.frames_in_use() == frames);
  CHECK(Kernel::page_mapcount(kp) == 3);
  CHECK(Kernel::page_count(kp) == 3);
  m.check_invariants();
}

TEST_CASE("run=2 unmerges everything and frees every rmap_item", "[ksm][unmerge]") {
  Merged m;
  page *kp = m.kpage();
  REQUIRE(Kernel::PageKsm(kp));
  CHECK(m.k.ksm.sysfs_store("run", "2\n") == 2);
  CHECK(m.show("run") == 2);
  m.check_counters(0, 0, 0, 0, 0); // seqnr reset to 0
  CHECK(m.v39().ksm_rmap_items == 0);
  page *pa = m.mapped(m.a, m.sa), *pb = m.mapped(m.b, m.sb);
  REQUIRE(pa);
  REQUIRE(pb);
  CHECK(pa != pb);
  for (page *p : {pa, pb}) {
    CHECK_FALSE(Kernel::PageKsm(p));
    CHECK(Kernel::PageAnon(p));
    CHECK(Kernel::page_mapcount(p) == 1);
    CHECK(m.word_of(p) == A_WORD);
  }
  CHECK(pte_write(m.pte_val(m.a, m.sa)));
  CHECK(pte_write(m.pte_val(m.b, m.sb)));
  CHECK(Kernel::page_count(m.k.pfn_to_page(m.b_pfn)) == 0); // the KSM page is gone
  CHECK(m.k.frames_in_use() == 2);
  // the mm_slots stay on the list for a later run=1
  CHECK(m.slot_order() == std::vector<std::string>{"A", "B"});
  CHECK(m.v39().ksm_scan.mm_slot == &m.v39().ksm_mm_head);
  CHECK_FALSE(m.k.ksm.ksmd_should_run());
  int live_nodes = 0;
  m.v39().for_each_stable_node([&](const stable_node *) { live_nodes++; });
  CHECK(live_nodes == 0);
  m.check_invariants();

  // run=1 starts again from scratch: two scans to re-merge.
  CHECK(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.check_counters(0, 0, 0, 2, 1);
  m.full_scan();
  m.check_counters(1, 1, 0, 0, 2);
  m.check_invariants();
}

TEST_CASE("COW of a KSM page always copies, even when it is mapped once", "[ksm][cow]") {
  Merged m;
  page *kp = m.kpage();
  // B writes: do_wp_page never reuses a PageKsm page -> B gets a copy.
  CHECK(m.fault(m.b, m.sb, true) == VM_FAULT_WRITE);
  page *pb = m.mapped(m.b, m.sb);
  REQUIRE(pb);
  CHECK(pb != kp);
  CHECK_FALSE(Kernel::PageKsm(pb));
  CHECK(m.word_of(pb) == A_WORD);
  CHECK(Kernel::page_mapcount(kp) == 1);
  CHECK(Kernel::page_count(kp) == 1);
  // counters are ksmd's business: unchanged until the next scan
  m.check_counters(1, 1, 0, 0, 2);
  m.check_invariants();

  // A writes to the KSM page it alone maps: still a copy, kp is freed.
  const std::uint64_t frames = m.k.frames_in_use();
  CHECK(m.fault(m.a, m.sa, true) == VM_FAULT_WRITE);
  page *pa = m.mapped(m.a, m.sa);
  REQUIRE(pa);
  CHECK(m.k.page_to_pfn(pa) != m.b_pfn);
  CHECK_FALSE(Kernel::PageKsm(pa));
  CHECK(Kernel::page_mapcount(pa) == 1);
  CHECK(pte_write(m.pte_val(m.a, m.sa)));
  CHECK(m.word_of(pa) == A_WORD);
  CHECK(Kernel::page_count(m.k.pfn_to_page(m.b_pfn)) == 0);
  CHECK(m.k.frames_in_use() == frames); // one allocated, one freed
  m.check_invariants();

  // The next scan finds the stable node stale and re-merges the two copies
  // through the unstable tree only on the scan after (same checksums).
  m.full_scan();
  // A0: remove_rmap_item_from_tree -> get_ksm_page(stale) removes the node
  // (shared--, sharing--); checksum unchanged -> unstable insert.
  // B0: unstable hit -> two-page merge: shared 1, sharing 1.
  m.check_counters(1, 1, 0, 0, 3);
  CHECK(m.mapped(m.a, m.sa) == m.mapped(m.b, m.sb));
  m.check_invariants();
}

TEST_CASE("MADV_UNMERGEABLE breaks COW at once, ksmd drops the items later", "[ksm][madvise]") {
  Merged m;
  CHECK(m.k.sys_madvise(m.a, m.sa, P, MADV_UNMERGEABLE) == 0);
  CHECK_FALSE(m.k.find_vma(m.a, m.sa)->vm_flags & VM_MERGEABLE);
  page *pa = m.mapped(m.a, m.sa);
  REQUIRE(pa);
  CHECK(pa != m.kpage());
  CHECK_FALSE(Kernel::PageKsm(pa));
  CHECK(Kernel::page_mapcount(m.kpage()) == 1);
  m.check_counters(1, 1, 0, 0, 2); // "easier to leave that to the next pass of ksmd"
  CHECK(mm_ksm_stat(m.k, m.a).ksm_rmap_items == 1);

  m.full_scan();
  // A has no VM_MERGEABLE vma left: its items are removed (sharing 0) and,
  // with ksm_scan.address still 0, its mm_slot is freed.
  m.check_counters(1, 0, 0, 0, 3);
  CHECK(m.v39().get_mm_slot(m.a) == nullptr);
  CHECK_FALSE(m.a->flags & MMF_VM_MERGEABLE);
  CHECK(m.slot_order() == std::vector<std::string>{"B"});
  CHECK(m.v39().ksm_rmap_items == 1);
  m.check_invariants();
}

TEST_CASE("madvise(MADV_MERGEABLE) enters an mm once", "[ksm][madvise]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, A_WORD}, false);
  const int mm_count = a->mm_count;
  CHECK(m.k.sys_madvise(a, sa, P, MADV_MERGEABLE) == 0);
  CHECK(a->flags & MMF_VM_MERGEABLE);
  CHECK(a->mm_count == mm_count + 1); // __ksm_enter's atomic_inc(&mm->mm_count)
  CHECK(m.k.ksm.wake_pending);        // the list was empty: wake ksmd
  // madvise split the vma: only the first page is VM_MERGEABLE
  vm_area_struct *v = m.k.find_vma(a, sa);
  CHECK(v->vm_end == sa + P);
  CHECK(v->vm_flags & VM_MERGEABLE);
  CHECK_FALSE(v->vm_next->vm_flags & VM_MERGEABLE);
  CHECK(m.k.sys_madvise(a, sa, 2 * P, MADV_MERGEABLE) == 0);
  CHECK(m.slot_order() == std::vector<std::string>{"A"});
  CHECK(a->mm_count == mm_count + 1);
}

// ------------------------------------------------------------- rmap walk

TEST_CASE("rmap_walk_ksm visits the stable node's items, then forks", "[ksm][rmap]") {
  Merged m;
  mm_struct *c = m.k.do_fork(m.a, "C", 1002); // not yet seen by ksmd
  page *kp = m.kpage();
  REQUIRE(m.k.trylock_page(kp));
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  int ret = m.k.ksm.rmap_walk_ksm(kp, [&](page *p, vm_area_struct *vma, std::uint64_t addr) {
    CHECK(p == kp);
    // 3.9 passes rmap_item->address, flag bits and all: compare the page part
    seen.push_back({vma->vm_mm->name, addr & PAGE_MASK});
    return int(SWAP_AGAIN);
  });
  CHECK(ret == SWAP_AGAIN);
  // hlist_add_head: B0 (appended last) comes first, then A0; the second
  // pass (search_new_forks) finds C's vma through A0's anon_vma.
  std::vector<std::pair<std::string, std::uint64_t>> want = {{"B", m.sb}, {"A", m.sa}, {"C", m.sa}};
  CHECK(seen == want);

  // A walk stops at the first answer that is not SWAP_AGAIN.
  seen.clear();
  ret = m.k.ksm.rmap_walk_ksm(kp, [&](page *, vm_area_struct *vma, std::uint64_t addr) {
    seen.push_back({vma->vm_mm->name, addr & PAGE_MASK});
    return int(SWAP_FAIL);
  });
  CHECK(ret == SWAP_FAIL);
  CHECK(seen.size() == 1);
  m.k.unlock_page(kp);
  (void)c;
}

// ---------------------------------------------------- ksm_might_need_to_copy

TEST_CASE("ksm_might_need_to_copy returns a KSM page with a stable node as it is", "[ksm][swap]") {
  Merged m;
  page *kp = m.kpage();
  vm_area_struct *va = m.k.find_vma(m.a, m.sa);
  const std::uint64_t frames = m.k.frames_in_use();
  CHECK(m.k.ksm.ksm_might_need_to_copy(kp, va, m.sa) == kp);
  // an anon page of this very vma and index: no copy either
  [[maybe_unused]] auto [d, sd] = m.process("D", 1003, {B_WORD}, false);
  page *pd = m.mapped(d, sd);
  CHECK(m.k.ksm.ksm_might_need_to_copy(pd, m.k.find_vma(d, sd), sd) == pd);
  CHECK(m.k.frames_in_use() == frames + 1);
}

TEST_CASE("ksm_might_need_to_copy of a !PageUptodate swap-cache page", "[ksm][swap][profile]") {
  bool fix = GENERATE(true, false);
  KernelProfile prof;
  prof.uptodate_copy = fix;
  Machine m(prof);
  INFO("uptodate_copy " << fix);
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {0x0102030405060708ULL}, false);
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {B_WORD}, false);
  page *p = m.mapped(a, sa);
  REQUIRE(m.k.shrink_page(p, true)); // unmapped, kept in the swap cache
  REQUIRE(Kernel::PageSwapCache(p));
  p->flags &= ~PG_uptodate; // as after a failed swap read
  // B's vma has another anon_vma root than the page: a copy would be needed.
  vm_area_struct *vb = m.k.find_vma(b, sb);
  REQUIRE(vb->anon_vma->root != m.k.page_anon_vma(p)->root);
  const std::uint64_t frames = m.k.frames_in_use();
  page *r = m.k.ksm.ksm_might_need_to_copy(p, vb, sb);
  REQUIRE(r);
  if (fix) {
    CHECK(r == p); // "let do_swap_page report the error"
    CHECK(m.k.frames_in_use() == frames);
  } else {
    CHECK(r != p); // an Uptodate copy of garbage
    CHECK(Kernel::PageUptodate(r));
    CHECK(m.k.contents.compare(r->content, p->content) == 0);
    CHECK(m.k.frames_in_use() == frames + 1);
    CHECK(Kernel::PageLocked(r)); // __set_page_locked
    m.k.unlock_page(r);
    m.k.put_page(r);
  }
  // with PageUptodate both profiles copy
  p->flags |= PG_uptodate;
  page *r2 = m.k.ksm.ksm_might_need_to_copy(p, vb, sb);
  REQUIRE(r2);
  CHECK(r2 != p);
  CHECK(Kernel::PageUptodate(r2));
  CHECK(Kernel::PageAnon(r2) == false); // not yet mapped: no rmap set
  m.k.unlock_page(r2);
  m.k.put_page(r2);
}

TEST_CASE("swap-in of a KSM page from swap cache during run=2", "[ksm][swap][profile]") {
  bool fix = GENERATE(true, false);
  KernelProfile prof;
  prof.unmerge_swapin_copy = fix;
  Merged m(prof);
  INFO("unmerge_swapin_copy " << fix);
  page *kp = m.kpage();
  // Reclaim the KSM page but keep it in the swap cache: try_to_unmap_ksm
  // puts swap entries in both ptes.
  REQUIRE(m.k.shrink_page(kp, true));
  REQUIRE(Kernel::PageSwapCache(kp));
  REQUIRE(Kernel::page_mapcount(kp) == 0);
  REQUIRE(is_swap_pte(m.pte_val(m.a, m.sa)));
  REQUIRE(is_swap_pte(m.pte_val(m.b, m.sb)));
  const std::uint64_t entry = m.k.page_private(kp);
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 2));

  // run=2: break_ksm finds no present page; the items go; the sweep
  // (remove_all_stable_nodes) unhooks the unmapped page from its node.
  REQUIRE(m.k.ksm.sysfs_store("run", "2\n") == 2);
  m.check_counters(0, 0, 0, 0, 0);
  CHECK(Kernel::PageKsm(kp));
  CHECK(m.k.page_stable_node(kp) == nullptr);

  // A faults its page back while run is 2.
  m.fault(m.a, m.sa, false);
  page *pa = m.mapped(m.a, m.sa);
  REQUIRE(pa);
  if (fix) {
    // ksm_might_need_to_copy: PageKsm without a stable node -> a copy.
    CHECK(pa != kp);
    CHECK_FALSE(Kernel::PageKsm(pa));
    CHECK(Kernel::PageAnon(pa));
    CHECK(m.k.page_anon_vma(pa) == m.k.find_vma(m.a, m.sa)->anon_vma);
    CHECK(Kernel::page_mapcount(pa) == 1);
    CHECK(Kernel::page_count(pa) == 2); // the pte and this CPU's LRU-add pagevec
    CHECK(m.word_of(pa) == A_WORD);
    CHECK(Kernel::page_mapcount(kp) == 0);
    CHECK(Kernel::page_count(kp) == 1); // the swap cache's
  } else {
    // before cbf86cfe04: page_anon_vma(KSM page) is NULL -> no copy; the
    // KSM page is mapped again although it has no stable node.
    CHECK(pa == kp);
    CHECK(Kernel::PageKsm(pa));
    CHECK(Kernel::page_mapcount(kp) == 1);
    CHECK(Kernel::page_count(kp) == 2);
  }
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 1)); // B still holds it
  CHECK(is_swap_pte(m.pte_val(m.b, m.sb)));
  m.check_invariants();
}

// ------------------------------------------------------ __ksm_enter order

TEST_CASE("__ksm_enter inserts behind the scan cursor while run is 1", "[ksm][enter]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD, B_WORD});
  [[maybe_unused]] auto [c, sc] = m.process("C", 1002, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.k.ksm.ksm_do_scan(3); // A0, A1, B0: the cursor is on B's slot
  REQUIRE(m.v39().ksm_scan.mm_slot == m.v39().get_mm_slot(b));
  m.k.do_fork(a, "D", 1003); // ksm_fork -> __ksm_enter
  CHECK(m.slot_order() == std::vector<std::string>{"A", "D", "B", "C"});
  // D is behind the cursor: this scan does not reach it.
  m.k.ksm.ksm_do_scan(1000);
  CHECK(mm_ksm_stat(m.k, m.k.mms().back()).ksm_rmap_items == 0);
  CHECK(m.v39().ksm_rmap_items == 6);
}

TEST_CASE("__ksm_enter while run is 2: at the tail with the fix, behind the cursor without",
          "[ksm][enter][profile]") {
  bool fix = GENERATE(true, false);
  KernelProfile prof;
  prof.unmerge_enter_at_tail = fix;
  Machine m(prof);
  INFO("unmerge_enter_at_tail " << fix);
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD, B_WORD});
  [[maybe_unused]] auto [c, sc] = m.process("C", 1002, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.k.ksm.ksm_do_scan(3);
  REQUIRE(m.v39().ksm_scan.mm_slot == m.v39().get_mm_slot(b));
  // The state inside run_store(2) while unmerge_and_remove_all_rmap_items()
  // has its cursor on B (ksm_run is already 2): a fork there.
  m.v39().ksm_run = KSM_RUN_UNMERGE;
  m.k.do_fork(a, "D", 1003);
  if (fix)
    CHECK(m.slot_order() ==
          std::vector<std::string>{"A", "B", "C", "D"}); // ahead of the unmerge cursor
  else
    CHECK(m.slot_order() == std::vector<std::string>{"A", "D", "B", "C"}); // behind it: missed
}

// ------------------------------------------------------------ more merging

TEST_CASE("merging a page that is in the swap cache frees its swap slot", "[ksm][swap]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  const std::uint64_t b_pfn = m.k.page_to_pfn(m.mapped(b, sb));
  // A's page goes to swap and comes back on a read: mapped read-only and
  // clean, still in the swap cache (vm_swap_full() is false).
  REQUIRE(m.k.shrink_page(m.mapped(a, sa), false));
  REQUIRE(m.fault(a, sa, false) == VM_FAULT_MAJOR);
  page *pa = m.mapped(a, sa);
  REQUIRE(Kernel::PageSwapCache(pa));
  REQUIRE(m.k.swap_slots_used() == 1);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0 into the unstable tree; B0 finds it: B's page becomes the KSM
  // page; A's clean read-only pte needs no write-protect (no count check),
  // replace_page maps B's page, and with A's page unmapped try_to_free_swap
  // drops it from the swap cache (page_swapcount 0): the slot is free.
  m.check_counters(1, 1, 0, 0, 2);
  CHECK(m.mapped(a, sa) == m.mapped(b, sb));
  CHECK(m.k.page_to_pfn(m.mapped(a, sa)) == b_pfn);
  CHECK(m.k.swap_slots_used() == 0);
  CHECK(m.k.frames_in_use() == 1);
  m.check_invariants();
}

TEST_CASE("an extra page reference refuses the merge and break_cow undoes it", "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  page *pa = m.mapped(a, sa);
  const std::uint64_t b_pfn = m.k.page_to_pfn(m.mapped(b, sb));
  m.k.get_page(pa); // as O_DIRECT I/O in flight would
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0 into the unstable tree. B0 finds it: B's page is made PageKsm
  // first; then write_protect_page(A's page) sees mapcount 1 + 1 != count 3
  // and fails; try_to_merge_two_pages then break_cow()s B0: do_wp_page
  // copies the would-be KSM page, which is freed.
  m.check_counters(0, 0, 1, 1, 2);
  page *pb = m.mapped(b, sb);
  REQUIRE(pb);
  CHECK(m.k.page_to_pfn(pb) != b_pfn);
  CHECK_FALSE(Kernel::PageKsm(pb));
  CHECK(pte_write(m.pte_val(b, sb)));
  CHECK(m.word_of(pb) == A_WORD);
  CHECK(m.mapped(a, sa) == pa);
  CHECK(pte_write(m.pte_val(a, sa))); // A's pte was restored as it was
  CHECK(m.k.frames_in_use() == 2);
  m.check_invariants();

  m.k.put_page(pa);
  m.full_scan();
  // Scan 3: A0 (age 1: no rb_erase) re-inserted; B0 merges with it.
  m.check_counters(1, 1, 0, 0, 3);
  CHECK(m.mapped(a, sa) == m.mapped(b, sb));
  m.check_invariants();
  // Both exit cleanly: no use of a freed anon_vma, every frame freed.
  m.k.mmput(a);
  m.k.mmput(b);
  CHECK(m.k.oopses().empty());
  m.full_scan();
  CHECK(m.k.frames_in_use() == 0);
  m.check_counters(0, 0, 0, 0, 4);
  CHECK(m.v39().ksm_rmap_items == 0);
  CHECK(m.slot_order().empty());
}

TEST_CASE("a page faulted after the scan's lru_add_drain_all waits for the next full scan",
          "[ksm][scan][pagevec]") {
  Merged m; // A0 and B0 share B's KSM page; the scan cursor is at ksm_mm_head
  mm_struct *c = m.k.mm_alloc("C", 1002);
  const std::uint64_t sc = m.k.do_mmap_anon(c, 15, -1);
  REQUIRE(m.k.sys_madvise(c, sc, 15 * P, MADV_MERGEABLE) == 0); // __ksm_enter: C after B
  // Scan 3 starts: scan_get_next_rmap_item calls lru_add_drain_all(), then
  // returns A0 (stable, head == node: nothing to do).
  m.k.ksm.ksm_do_scan(1);
  // C now faults 15 'a' pages on cpu 0: each goes through __lru_cache_add
  // with a reference; the 15th finds the pagevec full (PAGEVEC_SIZE 14)
  // and drains C0..C13 onto the LRU first. Only C14 is left in the pagevec.
  for (int i = 0; i < 15; i++)
    m.write(c, sc + i * P, A_WORD);
  CHECK(m.k.pagevec_count(0, Kernel::LRU_ACTIVE_ANON) == 1);
  m.full_scan(); // the rest of scan 3: B0, then C0..C14
  // C0..C13: stable_tree_search finds the KSM page (3.9 searches before the
  // checksum), try_to_merge_with_ksm_page -> write_protect_page: mapcount 1
  // + 1 (follow_page's FOLL_GET) == page_count 2: merged, sharing 1 + 14.
  // C14: page_count 3 (its pagevec's reference too) != 2 -> -EFAULT, not
  // merged; cmp_and_merge_page returns. Its rmap_item is volatile:
  // ksm_rmap_items 17 - shared 1 - sharing 15 - unshared 0 = 1.
  m.check_counters(1, 15, 0, 1, 3);
  page *c14 = m.mapped(c, sc + 14 * P);
  REQUIRE(c14);
  CHECK_FALSE(Kernel::PageKsm(c14));
  CHECK(Kernel::page_count(c14) == 2);
  CHECK(m.mapped(c, sc + 13 * P) == m.kpage());
  m.check_invariants();
  // Scan 4 drains first: C14 is on the LRU (count 1) and merges.
  m.full_scan();
  m.check_counters(1, 16, 0, 0, 4);
  CHECK(m.mapped(c, sc + 14 * P) == m.kpage());
  m.check_invariants();
}

TEST_CASE("rmap_items of pages that went away are dropped by the next scan", "[ksm][scan]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // A0 unstable, A1 merges with it, A2 unstable.
  m.check_counters(1, 1, 1, 0, 2);
  page *kp = m.mapped(a, sa);
  REQUIRE(Kernel::PageKsm(kp));
  REQUIRE(m.k.sys_madvise(a, sa + P, 2 * P, MADV_DONTNEED) == 0);
  CHECK(Kernel::page_mapcount(kp) == 1);
  m.check_counters(1, 1, 1, 0, 2); // nothing until ksmd comes round
  m.full_scan();
  // A0 returns early (its own stable node). No page after it:
  // remove_trailing_rmap_items frees A1 (stable, node still valid: sharing 0)
  // and A2 (unstable of the last scan, age 1: unshared 0).
  m.check_counters(1, 0, 0, 0, 3);
  CHECK(m.v39().ksm_rmap_items == 1);
  CHECK(mm_ksm_stat(m.k, a).merged == 1);
  m.check_invariants();
}

TEST_CASE("three contents that differ only by pokes become three KSM pages", "[ksm][scan]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 6, -1);
  for (int i = 0; i < 6; i++) {
    page *p = m.write(a, s + i * P, A_WORD);
    if (i % 3 == 1)
      m.k.contents.poke(p->content, 4095, 'b'); // Y: differs in the last byte
    if (i % 3 == 2)
      m.k.contents.poke(p->content, 0, 'b'); // Z: differs in the first byte
  }
  REQUIRE(m.k.sys_madvise(a, s, 6 * P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // X, Y, Z go into the unstable tree; the second X, Y, Z each find their
  // twin there: three stable nodes of two mappings each.
  m.check_counters(3, 3, 0, 0, 2);
  for (int i = 0; i < 3; i++) {
    INFO("content " << i);
    page *p = m.mapped(a, s + i * P);
    CHECK(p == m.mapped(a, s + (i + 3) * P));
    CHECK(Kernel::PageKsm(p));
    CHECK(Kernel::page_mapcount(p) == 2);
  }
  CHECK(m.mapped(a, s) != m.mapped(a, s + P));
  CHECK(m.mapped(a, s + P) != m.mapped(a, s + 2 * P));
  CHECK(m.k.contents.byte_at(m.mapped(a, s + P)->content, 4095) == 'b');
  CHECK(m.k.contents.byte_at(m.mapped(a, s + 2 * P)->content, 0) == 'b');
  CHECK(m.k.frames_in_use() == 3);
  m.check_invariants();

  // A seventh page equal to Y merges through the stable tree at its first scan.
  std::uint64_t s2 = m.k.do_mmap_anon(a, 1, -1);
  page *y = m.write(a, s2, A_WORD);
  m.k.contents.poke(y->content, 4095, 'b');
  REQUIRE(m.k.sys_madvise(a, s2, P, MADV_MERGEABLE) == 0);
  m.full_scan();
  m.check_counters(3, 4, 0, 0, 3);
  CHECK(m.mapped(a, s2) == m.mapped(a, s + P));
  m.check_invariants();
}

TEST_CASE("merge_across_nodes=0 keeps pages of different nodes apart", "[ksm][numa]") {
  bool across = GENERATE(true, false);
  Machine m(KernelProfile{}, 2);
  INFO("merge_across_nodes " << across);
  REQUIRE(m.k.ksm.sysfs_store("merge_across_nodes", across ? "1\n" : "0\n") == 2);
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t sa = m.k.do_mmap_anon(a, 1, 0);
  m.write(a, sa, A_WORD);
  mm_struct *b = m.k.mm_alloc("B", 1001);
  std::uint64_t sb = m.k.do_mmap_anon(b, 1, 1); // bound to node 1
  m.write(b, sb, A_WORD);
  REQUIRE(m.k.page_to_nid(m.mapped(b, sb)) == 1);
  REQUIRE(m.k.sys_madvise(a, sa, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.sys_madvise(b, sb, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  if (across) {
    m.check_counters(1, 1, 0, 0, 2);
    CHECK(m.mapped(a, sa) == m.mapped(b, sb));
  } else {
    // get_kpfn_nid: each page goes into its own node's unstable tree
    m.check_counters(0, 0, 2, 0, 2);
    CHECK(m.mapped(a, sa) != m.mapped(b, sb));
  }
  m.check_invariants();
}

// ----------------------------------------------------------------- exit

TEST_CASE("exit of an mm with rmap_items leaves its slot to ksmd", "[ksm][exit]") {
  Merged m;
  REQUIRE(m.a->mm_count == 2); // its own and __ksm_enter's
  m.k.mmput(m.a);
  // __ksm_exit: the slot has rmap_items, so it is only moved behind the
  // cursor (&ksm_mm_head: to the front); the mm stays until ksmd drops it.
  CHECK_FALSE(m.a->freed);
  CHECK(m.a->mm_count == 1);
  CHECK(m.slot_order() == std::vector<std::string>{"A", "B"});
  m.check_counters(1, 1, 0, 0, 2);
  CHECK(Kernel::page_mapcount(m.kpage()) == 1);
  m.full_scan();
  // ksm_test_exit(A): its items go (sharing 0), its slot is freed, mmdrop.
  m.check_counters(1, 0, 0, 0, 3);
  CHECK(m.a->freed);
  CHECK(m.slot_order() == std::vector<std::string>{"B"});
  m.check_invariants();
}

TEST_CASE("exit of an mm ksmd has not scanned frees its slot at once", "[ksm][exit]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD});
  [[maybe_unused]] auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.slot_order() == std::vector<std::string>{"A", "B"});
  m.k.mmput(b);
  // easy_to_free: no rmap_items and not the cursor
  CHECK(b->freed);
  CHECK(m.slot_order() == std::vector<std::string>{"A"});
  CHECK(m.v39().get_mm_slot(b) == nullptr);
  CHECK(m.k.frames_in_use() == 1);
  m.check_invariants();
}

// sys_madvise in 3.9 returns 0 at once for an empty range (end == start)
// and -EINVAL for a start that is not page aligned, before any vma is looked
// at: no split, no __ksm_enter.
TEST_CASE("madvise of an empty or unaligned range does nothing (3.9 sys_madvise)",
          "[ksm][madvise]") {
  Machine m;
  [[maybe_unused]] auto [a, sa] = m.process("A", 1000, {A_WORD, A_WORD}, false);
  CHECK(m.k.sys_madvise(a, sa, 0, MADV_MERGEABLE) == 0);
  CHECK(m.v39().get_mm_slot(a) == nullptr);
  CHECK_FALSE(a->flags & MMF_VM_MERGEABLE);
  int vmas = 0;
  for (vm_area_struct *x = a->mmap; x; x = x->vm_next)
    vmas++;
  CHECK(vmas == 1); // no zero-length vma split off
  vm_area_struct *v = m.k.find_vma(a, sa);
  CHECK(v->vm_start == sa);
  CHECK(v->vm_end == sa + 2 * P);
  CHECK_FALSE(v->vm_flags & VM_MERGEABLE);
  CHECK(m.k.sys_madvise(a, sa + 1, P, MADV_MERGEABLE) == -EINVAL);
  CHECK(m.v39().get_mm_slot(a) == nullptr);
}

TEST_CASE("run=2 sweeps stable nodes of unmapped KSM pages only with the fix",
          "[ksm][unmerge][profile]") {
  bool fix = GENERATE(true, false);
  KernelProfile prof;
  prof.stale_stable_sweep = fix;
  Merged m(prof);
  INFO("stale_stable_sweep " << fix);
  page *kp = m.kpage();
  stable_node *node = m.k.page_stable_node(kp);
  REQUIRE(node);
  // Both mappings to swap; the page stays in the swap cache with its node.
  REQUIRE(m.k.shrink_page(kp, true));
  REQUIRE(m.k.ksm.sysfs_store("run", "2\n") == 2);
  // break_ksm found nothing mapped; remove_trailing_rmap_items emptied the
  // node's list (counters 0) but get_ksm_page still finds the page, so the
  // node itself stays unless remove_all_stable_nodes() sweeps it.
  m.check_counters(0, 0, 0, 0, 0);
  int live = 0;
  m.v39().for_each_stable_node([&](const stable_node *) { live++; });
  if (fix) {
    CHECK(live == 0);
    CHECK(Kernel::PageKsm(kp));
    CHECK(m.k.page_stable_node(kp) == nullptr);
  } else {
    CHECK(live == 1);
    CHECK(m.k.page_stable_node(kp) == node);
    CHECK(m.v39().in_stable_tree(node));
  }
  m.check_invariants();
}

TEST_CASE("rb_erase of a stale stable node from another tree: a detector report, no oops",
          "[ksm][numa][rbtree]") {
  // cbf86cfe04 cause 1, without the sweep (as
  // scenarios/regressions/stale-stable-node-swapcache.yaml): S stays alone in
  // one_stable_tree, which merge_across_nodes=0 orphans.
  KernelProfile prof;
  prof.stale_stable_sweep = false;
  Machine m(prof, 2);
  mm_struct *a = m.k.mm_alloc("A", 1000);
  mm_struct *b = m.k.mm_alloc("B", 1001);
  const std::uint64_t sa = m.k.do_mmap_anon(a, 1, 0), sb = m.k.do_mmap_anon(b, 1, 1);
  m.write(a, sa, A_WORD);
  m.write(b, sb, A_WORD);
  REQUIRE(m.k.sys_madvise(a, sa, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.sys_madvise(b, sb, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  page *kp = m.mapped(b, sb); // B0 found A0 in the unstable tree: B's page
  REQUIRE(kp);
  REQUIRE(m.mapped(a, sa) == kp);
  REQUIRE(m.k.page_to_nid(kp) == 1);
  stable_node *s = m.k.page_stable_node(kp);
  REQUIRE(s);
  REQUIRE(s->nid == 0); // merge_across_nodes 1: get_kpfn_nid is 0
  REQUIRE(m.v39().one_stable_tree[0].rb_node == &s->node);

  REQUIRE(m.k.shrink_page(kp, true)); // both ptes to swap, kp in the swap cache
  REQUIRE(m.k.ksm.sysfs_store("run", "2\n") == 2);
  REQUIRE(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == 2);
  REQUIRE(m.v39().root_stable_tree != m.v39().one_stable_tree);
  REQUIRE(m.v39().root_stable_tree[0].rb_node == nullptr); // kcalloc'd
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.fault(b, sb, false); // do_swap_page: kp, still PageKsm with S
  REQUIRE(m.mapped(b, sb) == kp);

  // cmp_and_merge_page(kp): get_kpfn_nid(kpfn) 1 != S->nid 0, so
  // rb_erase(&S->node, root_stable_tree + 0). v3.9 rb_erase: S has no left
  // child and a NULL parent, so __rb_change_child sets the root it was
  // handed (already NULL) to S's right child, NULL; nothing to rebalance.
  // Then S goes on migrate_nodes; stable_tree_search(kp) finds page_node S
  // there and links it into the empty root_stable_tree[1] (nid 1);
  // try_to_merge_one_page(kp, kp) returns 0 (the same page), and
  // stable_tree_append makes B's item S's first: pages_shared 1.
  REQUIRE_NOTHROW(m.full_scan());
  const std::vector<OopsRecord> &rec = m.k.oopses();
  REQUIRE(rec.size() == 1);
  CHECK(rec[0].kind == "detector");
  CHECK(rec[0].function == "cmp_and_merge_page");
  CHECK(rec[0].message == "ksmsim: rb_erase of a node that is not in root_stable_tree[0]");
  CHECK(m.v39().root_stable_tree[0].rb_node == nullptr);
  CHECK(m.v39().root_stable_tree[1].rb_node == &s->node);
  CHECK(s->nid == 1);
  CHECK(m.v39().stable_tree_nid_of(s) == 1);
  // full_scans is ksm_scan.seqnr, which run=2's
  // unmerge_and_remove_all_rmap_items set back to 0.
  m.check_counters(1, 0, 0, 0, 1);
  // The next scan finds B's item already on S (item->head == S): no change.
  m.full_scan();
  m.check_counters(1, 0, 0, 0, 2);
  CHECK(m.k.oopses().size() == 1);
  m.check_invariants();
}
