// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the simulated MMU (model/mm/kernel.h): the anonymous fault paths of
// Linux 3.9 mm/memory.c (do_anonymous_page, do_wp_page, do_swap_page), fork's
// copy-on-write sharing, exit, munmap and madvise, reclaim to swap, page
// migration, and the oops record. Expected values are worked out from the
// 3.9 sources, not taken from a run.

#include "model/check/invariants.h"
#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "catch.h"

#include <string>
#include <vector>

using namespace ksmsim;

namespace {

struct Machine : testing::MachineBase {
  explicit Machine(int nodes = 1, KernelProfile prof = KernelProfile{})
      : MachineBase(nodes, prof) {}
};

constexpr std::uint64_t P = PAGE_SIZE;

} // namespace

TEST_CASE("a write fault allocates a private anonymous page", "[mmu]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 8, -1);
  // arch_get_unmapped_area_topdown: the top 8 pages below mmap_base
  // (0x7ffff7fff000 for an 8 MiB stack rlimit, arch/x86/mm/mmap.c).
  CHECK(start == 0x7ffff7fff000 - 8 * PAGE_SIZE);
  CHECK(m.k.frames_in_use() == 0);
  CHECK(m.pte(a, start) == nullptr); // nothing faulted in yet

  int ret = m.fault(a, start + 3 * P, true);
  CHECK(ret == 0);
  pte_t v = m.pte_val(a, start + 3 * P);
  REQUIRE(pte_present(v));
  CHECK(pte_write(v));
  CHECK(pte_dirty(v));
  CHECK_FALSE(pte_special(v));
  page *p = m.k.pfn_to_page(pte_pfn(v));
  // page_add_new_anon_rmap -> lru_cache_add_lru -> __lru_cache_add: the
  // pte's reference and page_cache_get's for this CPU's pagevec (3.9
  // mm/swap.c); not on the LRU until a drain.
  CHECK(Kernel::page_count(p) == 2);
  CHECK_FALSE(Kernel::PageLRU(p));
  CHECK(m.k.pagevec_count(0, Kernel::LRU_ACTIVE_ANON) == 1);
  m.k.lru_add_drain(); // __pagevec_lru_add: SetPageLRU, SetPageActive, release_pages
  CHECK(Kernel::PageLRU(p));
  CHECK((p->flags & PG_active) != 0);
  CHECK(m.k.pagevec_count(0, Kernel::LRU_ACTIVE_ANON) == 0);
  CHECK(Kernel::page_count(p) == 1);
  CHECK(p->_mapcount == 0);
  CHECK(Kernel::page_mapcount(p) == 1);
  CHECK(Kernel::PageAnon(p));
  CHECK_FALSE(Kernel::PageKsm(p));
  CHECK(Kernel::PageUptodate(p));
  CHECK(m.k.page_anon_vma(p) == m.k.find_vma(a, start)->anon_vma);
  // linear_page_index, kept in 32 bits (mm_types.h)
  CHECK(p->index == static_cast<std::uint32_t>((start >> PAGE_SHIFT) + 3));
  CHECK(m.word_of(p) == 0); // a zeroed page
  CHECK(m.k.frames_in_use() == 1);
  CHECK(a->anon_rss == 1);
  // Neighbouring ptes are still none.
  CHECK(pte_none(m.pte_val(a, start + 2 * P)));
  m.check_invariants();
}

TEST_CASE("a read fault of an untouched page maps the zero page", "[mmu]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 4, -1);
  const int zero_count = Kernel::page_count(m.k.zero_page());
  CHECK(m.fault(a, start, false) == 0);
  pte_t v = m.pte_val(a, start);
  REQUIRE(pte_present(v));
  CHECK(pte_special(v));
  CHECK_FALSE(pte_write(v));
  CHECK(m.k.is_zero_pfn(pte_pfn(v)));
  CHECK(m.k.frames_in_use() == 0); // no frame allocated
  CHECK(Kernel::page_count(m.k.zero_page()) == zero_count);
  CHECK_FALSE(Kernel::page_mapped(m.k.zero_page()));
  CHECK(a->anon_rss == 0);
  CHECK(m.k.find_vma(a, start)->anon_vma == nullptr); // no anon_vma_prepare on a read
  m.check_invariants();

  SECTION("a write after the read copies from the zero page (do_wp_page)") {
    CHECK(m.fault(a, start, true) == VM_FAULT_WRITE);
    pte_t w = m.pte_val(a, start);
    REQUIRE(pte_present(w));
    CHECK_FALSE(pte_special(w));
    CHECK(pte_write(w));
    CHECK(pte_dirty(w));
    CHECK(pte_pfn(w) != 0);
    page *p = m.k.pfn_to_page(pte_pfn(w));
    CHECK(Kernel::PageAnon(p));
    CHECK(Kernel::page_count(p) == 2); // the pte and this CPU's LRU-add pagevec
    CHECK(Kernel::page_mapcount(p) == 1);
    CHECK(m.word_of(p) == 0);
    CHECK(m.k.frames_in_use() == 1);
    CHECK(a->anon_rss == 1); // counted once: the zero page was not
    CHECK(Kernel::page_count(m.k.zero_page()) == zero_count);
    m.check_invariants();
  }
}

TEST_CASE("fork shares anonymous pages copy-on-write", "[mmu][fork]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 2, -1);
  page *p = m.write(a, start, 0x1111111111111111ULL);
  const std::uint64_t pfn = m.k.page_to_pfn(p);
  m.k.lru_add_drain_all(); // onto the LRU: only the pte's reference is left
  mm_struct *c = m.k.do_fork(a, "C", 1001);

  // copy_one_pte: both ptes write-protected, page_dup_rmap and get_page.
  CHECK(Kernel::page_mapcount(p) == 2);
  CHECK(Kernel::page_count(p) == 2);
  pte_t pv = m.pte_val(a, start), cv = m.pte_val(c, start);
  CHECK(pte_present(pv));
  CHECK(pte_present(cv));
  CHECK_FALSE(pte_write(pv));
  CHECK_FALSE(pte_write(cv));
  CHECK(pte_pfn(pv) == pfn);
  CHECK(pte_pfn(cv) == pfn);
  CHECK(c->anon_rss == 1);
  CHECK(m.k.frames_in_use() == 1);
  m.check_invariants();

  // The child writes: reuse_swap_page sees mapcount 2, so do_wp_page copies.
  CHECK(m.fault(c, start, true) == VM_FAULT_WRITE);
  page *cp = m.mapped(c, start);
  REQUIRE(cp);
  CHECK(m.k.page_to_pfn(cp) != pfn);
  CHECK(m.word_of(cp) == 0x1111111111111111ULL);
  CHECK(Kernel::page_mapcount(cp) == 1);
  CHECK(Kernel::page_count(cp) == 2); // the pte and this CPU's LRU-add pagevec
  CHECK(pte_write(m.pte_val(c, start)));
  CHECK(pte_dirty(m.pte_val(c, start)));
  CHECK(m.k.page_anon_vma(cp) == m.k.find_vma(c, start)->anon_vma);
  // The parent keeps the old page, now mapped once, still write-protected.
  CHECK(Kernel::page_mapcount(p) == 1);
  CHECK(Kernel::page_count(p) == 1);
  CHECK(m.pte_val(a, start).val == pv.val);
  CHECK(m.k.frames_in_use() == 2);
  m.check_invariants();

  // The parent writes: mapcount 1, no swap cache -> reuse, no copy.
  CHECK(m.fault(a, start, true) == VM_FAULT_WRITE);
  CHECK(pte_pfn(m.pte_val(a, start)) == pfn);
  CHECK(pte_write(m.pte_val(a, start)));
  CHECK(pte_dirty(m.pte_val(a, start)));
  CHECK(m.k.frames_in_use() == 2);
  CHECK(Kernel::page_count(p) == 1);
  // page_move_anon_rmap: the page now belongs to the parent vma's anon_vma
  CHECK(m.k.page_anon_vma(p) == m.k.find_vma(a, start)->anon_vma);
  m.check_invariants();
}

TEST_CASE("exit frees the pages of an mm", "[mmu]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 6, -1);
  for (int i = 0; i < 6; i++)
    m.write(a, start + i * P, i + 1);
  mm_struct *b = m.k.mm_alloc("B", 1001);
  std::uint64_t bs = m.k.do_mmap_anon(b, 1, -1);
  m.write(b, bs, 42);
  REQUIRE(m.k.frames_in_use() == 7);
  REQUIRE(m.k.mms().size() == 2);
  m.k.mmput(a);
  CHECK(m.k.frames_in_use() == 1);
  CHECK(m.k.mms().size() == 1);
  CHECK(m.k.mms().front() == b);
  CHECK(a->freed); // mm_count dropped to 0 by mmdrop
  m.check_invariants();

  SECTION("pages shared with a forked child survive the parent's exit") {
    mm_struct *c = m.k.do_fork(b, "C", 1002);
    page *p = m.mapped(b, bs);
    REQUIRE(Kernel::page_count(p) == 2);
    m.k.mmput(b);
    CHECK(m.k.frames_in_use() == 1);
    CHECK(Kernel::page_count(p) == 1);
    CHECK(Kernel::page_mapcount(p) == 1);
    CHECK(m.mapped(c, bs) == p);
    m.check_invariants();
  }
}

TEST_CASE("munmap of part of a vma splits it and frees those pages", "[mmu]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 8, -1);
  for (int i = 0; i < 8; i++)
    m.write(a, s + i * P, 0x100 + i);
  REQUIRE(m.k.frames_in_use() == 8);
  CHECK(m.k.do_munmap(a, s + 2 * P, 2 * P) == 0);

  vm_area_struct *head = m.k.find_vma(a, s);
  REQUIRE(head);
  CHECK(head->vm_start == s);
  CHECK(head->vm_end == s + 2 * P);
  vm_area_struct *tail = head->vm_next;
  REQUIRE(tail);
  CHECK(tail->vm_start == s + 4 * P);
  CHECK(tail->vm_end == s + 8 * P);
  CHECK(tail->vm_pgoff == (s >> PAGE_SHIFT) + 4);
  CHECK(tail->vm_next == nullptr);
  CHECK(m.k.find_vma(a, s + 2 * P) == tail); // the hole: the next vma up

  CHECK(m.k.frames_in_use() == 6);
  CHECK(a->anon_rss == 6);
  CHECK(pte_none(m.pte_val(a, s + 2 * P)));
  CHECK(pte_none(m.pte_val(a, s + 3 * P)));
  REQUIRE(m.mapped(a, s + 5 * P));
  CHECK(m.word_of(m.mapped(a, s + 5 * P)) == 0x105);
  CHECK(m.word_of(m.mapped(a, s + 1 * P)) == 0x101);
  m.check_invariants();

  // madvise over the hole reports ENOMEM but still advises the rest.
  CHECK(m.k.sys_madvise(a, s, 8 * P, MADV_DONTNEED) == -ENOMEM);
  CHECK(m.k.frames_in_use() == 0);
  m.check_invariants();
}

TEST_CASE("madvise(MADV_DONTNEED) zaps the pages", "[mmu]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 4, -1);
  for (int i = 0; i < 4; i++)
    m.write(a, s + i * P, 7);
  page *p1 = m.mapped(a, s + P);
  const std::uint64_t pfn1 = m.k.page_to_pfn(p1);
  CHECK(m.k.sys_madvise(a, s + P, 2 * P, MADV_DONTNEED) == 0);
  CHECK(pte_none(m.pte_val(a, s + P)));
  CHECK(pte_none(m.pte_val(a, s + 2 * P)));
  CHECK(m.mapped(a, s) != nullptr);
  CHECK(m.mapped(a, s + 3 * P) != nullptr);
  CHECK(m.k.frames_in_use() == 2);
  CHECK(Kernel::page_count(m.k.pfn_to_page(pfn1)) == 0);
  CHECK(a->anon_rss == 2);
  // The vma is untouched: a read now maps the zero page again.
  CHECK(m.k.find_vma(a, s)->vm_end == s + 4 * P);
  m.fault(a, s + P, false);
  CHECK(pte_special(m.pte_val(a, s + P)));
  m.check_invariants();
}

TEST_CASE("reclaim swaps an anonymous page out and a read fault brings it back", "[mmu][swap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 2, -1);
  page *p = m.write(a, s, 0xfeedfacecafebeefULL);
  m.k.contents.poke(p->content, 4095, 0x01);
  const std::vector<std::uint8_t> before = m.k.contents.bytes(p->content);
  const std::uint64_t pfn = m.k.page_to_pfn(p);
  REQUIRE(m.k.frames_in_use() == 1);

  CHECK(m.k.shrink_page(p, false));
  pte_t v = m.pte_val(a, s);
  CHECK(is_swap_pte(v));
  CHECK_FALSE(is_migration_entry(v));
  const std::uint64_t entry = pte_to_swp_entry(v);
  CHECK(entry == 1);                  // the first slot handed out (slot 0 is never used)
  CHECK(m.k.swap_map_at(entry) == 1); // one pte reference, no swap cache
  CHECK(m.k.swap_cache_pfn(entry) == 0);
  CHECK(m.k.frames_in_use() == 0);
  CHECK(Kernel::page_count(m.k.pfn_to_page(pfn)) == 0);
  CHECK(a->anon_rss == 0);
  CHECK(a->swap_ents == 1);
  m.check_invariants();

  // A read fault: read_swap_cache_async allocates, reads, adds to swap cache.
  int ret = m.fault(a, s, false);
  CHECK(ret == VM_FAULT_MAJOR);
  pte_t r = m.pte_val(a, s);
  REQUIRE(pte_present(r));
  CHECK_FALSE(pte_write(r)); // mk_pte(page, vm_page_prot) on a read
  page *q = m.k.pfn_to_page(pte_pfn(r));
  CHECK(m.k.contents.bytes(q->content) == before);
  CHECK(Kernel::PageAnon(q));
  CHECK(Kernel::PageSwapCache(q)); // vm_swap_full() is false: kept in swap cache
  CHECK(m.k.page_private(q) == entry);
  CHECK(Kernel::page_mapcount(q) == 1);
  // the pte, the swap cache, and read_swap_cache_async's lru_cache_add_anon
  CHECK(Kernel::page_count(q) == 3);
  CHECK(m.k.swap_map_at(entry) == SWAP_HAS_CACHE); // swap_free dropped the pte's count
  CHECK(a->anon_rss == 1);
  CHECK(a->swap_ents == 0);
  m.check_invariants();

  // A write then: reuse_swap_page frees the swap slot and reuses the page.
  CHECK(m.fault(a, s, true) == VM_FAULT_WRITE);
  CHECK(pte_pfn(m.pte_val(a, s)) == m.k.page_to_pfn(q));
  CHECK(pte_write(m.pte_val(a, s)));
  CHECK_FALSE(Kernel::PageSwapCache(q));
  CHECK(Kernel::page_count(q) == 2); // the pte and this CPU's LRU-add pagevec
  CHECK(m.k.swap_map_at(entry) == 0);
  CHECK(m.k.swap_slots_used() == 0);
  m.check_invariants();
}

TEST_CASE("a write fault on a swapped-out page takes it out of swap", "[mmu][swap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0x4242);
  REQUIRE(m.k.shrink_page(m.mapped(a, s), false));
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  // do_swap_page: read in (major), then reuse_swap_page: mapcount 0 +
  // swapcount 1 == 1 -> delete_from_swap_cache; the pte is made writable
  // and dirty at once (exclusive), and swap_free releases the slot.
  CHECK(m.fault(a, s, true) == (VM_FAULT_MAJOR | VM_FAULT_WRITE));
  pte_t v = m.pte_val(a, s);
  REQUIRE(pte_present(v));
  CHECK(pte_write(v));
  CHECK(pte_dirty(v));
  page *p = m.k.pfn_to_page(pte_pfn(v));
  CHECK_FALSE(Kernel::PageSwapCache(p));
  CHECK(Kernel::page_count(p) == 2); // the pte and this CPU's LRU-add pagevec
  CHECK(Kernel::page_mapcount(p) == 1);
  CHECK(m.k.page_anon_vma(p) == m.k.find_vma(a, s)->anon_vma); // exclusive: not the root
  CHECK(m.word_of(p) == 0x4242);
  CHECK(m.k.swap_map_at(entry) == 0);
  CHECK(m.k.swap_slots_used() == 0);
  CHECK(a->swap_ents == 0);
  CHECK(a->anon_rss == 1);
  m.check_invariants();
}

TEST_CASE("fork duplicates swap entries and both faults map one page", "[mmu][swap][fork]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0x99);
  REQUIRE(m.k.shrink_page(m.mapped(a, s), false));
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  mm_struct *c = m.k.do_fork(a, "C", 1001);
  CHECK(m.pte_val(c, s).val == m.pte_val(a, s).val); // copy_one_pte: swap_duplicate
  CHECK(m.k.swap_map_at(entry) == 2);
  CHECK(c->swap_ents == 1);
  m.check_invariants();

  // The child reads first: read from swap, kept in the swap cache.
  CHECK(m.fault(c, s, false) == VM_FAULT_MAJOR);
  page *p = m.mapped(c, s);
  REQUIRE(p);
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 1));
  // The parent then finds it in the swap cache: same anon_vma root and
  // index, so ksm_might_need_to_copy returns it and both map it.
  CHECK(m.fault(a, s, false) == 0);
  CHECK(m.mapped(a, s) == p);
  CHECK(Kernel::page_mapcount(p) == 2);
  CHECK(Kernel::page_count(p) == 4); // two ptes, the swap cache and this CPU's LRU-add pagevec
  CHECK(m.k.swap_map_at(entry) == SWAP_HAS_CACHE);
  CHECK(m.k.frames_in_use() == 1);
  CHECK(m.word_of(p) == 0x99);
  m.check_invariants();
}

TEST_CASE("keep_swapcache leaves the unmapped page in the swap cache", "[mmu][swap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 0x1234);
  CHECK(m.k.shrink_page(p, true));
  CHECK(Kernel::PageSwapCache(p));
  CHECK(Kernel::page_mapcount(p) == 0);
  CHECK(Kernel::page_count(p) == 1); // only the swap cache's reference
  CHECK_FALSE(Kernel::PageLocked(p));
  CHECK_FALSE(p->flags & PG_dirty); // written out
  pte_t v = m.pte_val(a, s);
  REQUIRE(is_swap_pte(v));
  const std::uint64_t entry = pte_to_swp_entry(v);
  CHECK(m.k.page_private(p) == entry);
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 1));
  CHECK(m.k.swap_cache_pfn(entry) == m.k.page_to_pfn(p));
  CHECK(m.k.frames_in_use() == 1);
  m.check_invariants();

  // lookup_swap_cache finds it: the same frame is mapped again, no I/O.
  CHECK(m.fault(a, s, false) == 0);
  CHECK(m.mapped(a, s) == p);
  CHECK(Kernel::page_mapcount(p) == 1);
  CHECK(Kernel::page_count(p) == 2);
  CHECK(m.k.frames_in_use() == 1);
  CHECK(m.word_of(p) == 0x1234);
  m.check_invariants();
}

TEST_CASE("a swap read error leaves a !PageUptodate page and SIGBUS", "[mmu][swap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 0x77);
  REQUIRE(m.k.shrink_page(p, false));
  pte_t v = m.pte_val(a, s);
  m.k.swap_read_error_next = true;
  int ret = m.fault(a, s, false);
  CHECK((ret & VM_FAULT_SIGBUS) != 0);
  CHECK(m.pte_val(a, s).val == v.val); // out_nomap: the swap pte stays
  page *sc = m.k.pfn_to_page(m.k.swap_cache_pfn(pte_to_swp_entry(v)));
  CHECK_FALSE(Kernel::PageUptodate(sc));
  CHECK(Kernel::PageSwapCache(sc));
  CHECK(Kernel::page_count(sc) == 2); // the swap cache and this CPU's LRU-add pagevec
  m.check_invariants();
}

TEST_CASE("migration moves an anonymous page to another node", "[mmu][migrate]") {
  Machine m(2);
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 0xabcdef);
  m.k.contents.poke(p->content, 10, 0x99);
  const std::vector<std::uint8_t> before = m.k.contents.bytes(p->content);
  const std::uint64_t old_pfn = m.k.page_to_pfn(p);
  const std::uint64_t old_index = p->index;
  struct anon_vma *av = m.k.page_anon_vma(p);
  REQUIRE(m.k.page_to_nid(p) == 0);

  // Not on the LRU yet: isolate_lru_page refuses it (move_pages' -EBUSY).
  CHECK(m.k.migrate_page_to_node(p, 1) == -EBUSY);
  m.k.migrate_prep(); // lru_add_drain_all, as move_pages does first
  CHECK(m.k.migrate_page_to_node(p, 1) == 0);
  page *q = m.mapped(a, s);
  REQUIRE(q);
  CHECK(m.k.page_to_pfn(q) != old_pfn);
  CHECK(m.k.page_to_nid(q) == 1);
  CHECK(m.k.contents.bytes(q->content) == before);
  CHECK(Kernel::page_mapcount(q) == 1);
  CHECK(Kernel::page_count(q) == 2); // the pte and putback_lru_page's pagevec
  CHECK(m.k.page_anon_vma(q) == av);
  CHECK(q->index == old_index);
  CHECK(pte_write(m.pte_val(a, s))); // a write migration entry restores write
  // unmap_and_move put the old page back too: its last reference is the
  // pagevec's, dropped (and the frame freed) when the pagevec drains.
  CHECK(Kernel::page_count(m.k.pfn_to_page(old_pfn)) == 1);
  CHECK(m.k.frames_in_use() == 2);
  m.k.lru_add_drain();
  CHECK(Kernel::page_count(m.k.pfn_to_page(old_pfn)) == 0);
  CHECK(m.k.frames_in_use() == 1);
  // migrating to the node it is on does nothing
  CHECK(m.k.migrate_page_to_node(q, 1) == 0);
  CHECK(m.mapped(a, s) == q);
  m.check_invariants();
}

TEST_CASE("put_page on a free page is a VM_BUG_ON oops", "[mmu][oops]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 1);
  REQUIRE(m.k.sys_madvise(a, s, P, MADV_DONTNEED) == 0);
  REQUIRE(Kernel::page_count(p) == 0);
  REQUIRE(m.k.oopses().empty());
  CHECK_THROWS_AS(m.k.put_page(p), OopsException);
  REQUIRE(m.k.oopses().size() == 1);
  CHECK(m.k.oopses().back().function == "put_page");
  CHECK(m.k.oopses().back().kind == "BUG");
  CHECK(Kernel::page_count(p) == 0);
  call_path().clear();
}

TEST_CASE("freeing the zero page is a BUG", "[mmu][oops]") {
  Machine m;
  page *z = m.k.zero_page();
  REQUIRE(Kernel::page_count(z) == 1);
  CHECK_THROWS_AS(m.k.put_page(z), OopsException);
  REQUIRE_FALSE(m.k.oopses().empty());
  CHECK(m.k.oopses().back().function == "free_page");
  call_path().clear();
}

// Linux 3.9 try_to_unmap_one(): for a PageSwapCache anon page the pte gets
// the swap entry (swap_duplicate, MM_SWAPENTS) even under TTU_MIGRATION;
// only a page not in the swap cache gets a migration entry. So after
// migrating a swap-cache page the ptes are swap entries, which
// remove_migration_ptes() leaves alone; the next fault finds the new page in
// the swap cache.
TEST_CASE("migrating a swap-cache page leaves swap ptes (3.9 try_to_unmap_one)", "[mmu][migrate]") {
  Machine m(2);
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 0x5a5a);
  REQUIRE(m.k.shrink_page(p, false));
  REQUIRE(m.fault(a, s, false) == VM_FAULT_MAJOR);
  page *q = m.mapped(a, s);
  REQUIRE(q);
  REQUIRE(Kernel::PageSwapCache(q));
  const std::uint64_t entry = m.k.page_private(q);

  m.k.migrate_prep();
  CHECK(m.k.migrate_page_to_node(q, 1) == 0);
  pte_t v = m.pte_val(a, s);
  CHECK(is_swap_pte(v));
  CHECK_FALSE(is_migration_entry(v));
  CHECK(pte_to_swp_entry(v) == entry);
  const std::uint32_t new_pfn = m.k.swap_cache_pfn(entry);
  CHECK(m.k.pfn_to_nid(new_pfn) == 1);
  // The next fault maps the new page from the swap cache.
  CHECK(m.fault(a, s, false) == 0);
  CHECK(pte_pfn(m.pte_val(a, s)) == new_pfn);
}
