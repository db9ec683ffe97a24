// SPDX-License-Identifier: GPL-2.0-only
//
// Swap counts past SWAP_MAP_MAX (count continuations, v3.9 mm/swapfile.c)
// and the zap of swap-cache pages (free_page_and_swap_cache).
#include "tests/machine.h"

namespace ksmsim {
namespace {

struct Machine : testing::MachineBase {
  Machine() : MachineBase(1, KernelProfile{}) {}

  // A process with one page holding word, swapped out (not kept in the swap
  // cache): its pte holds the slot's only reference.
  std::pair<mm_struct *, std::uint64_t> swapped_page(std::uint64_t word) {
    mm_struct *a = k.mm_alloc("P0", 1000);
    std::uint64_t s = k.do_mmap_anon(a, 1, -1);
    write(a, s, word);
    REQUIRE(k.shrink_page(mapped(a, s), false));
    return {a, s};
  }
};

// swap_map's first digit counts 0..SWAP_MAP_MAX (62); the first
// continuation digit counts 0..SWAP_CONT_MAX (127) units of 63; so
// n references read: n < 63: n; else COUNT_CONTINUED | (n - 63 * d1) with
// d1 = n / 63 in the continuation (for n < 63 * 128).
std::uint8_t first_digit(std::uint64_t n) {
  return n < SWAP_MAP_MAX + 1 ? std::uint8_t(n) : std::uint8_t(COUNT_CONTINUED | (n % 63));
}

TEST_CASE("__swap_duplicate needs a continuation at SWAP_MAP_MAX and carries into it",
          "[swap][continuation]") {
  Machine m;
  auto [a, s] = m.swapped_page(0x77);
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  for (int i = 1; i < int(SWAP_MAP_MAX); i++)
    REQUIRE(m.k.__swap_duplicate(entry, 1) == 0);
  REQUIRE(m.k.swap_map_at(entry) == SWAP_MAP_MAX);
  // __swap_duplicate: count == SWAP_MAP_MAX and swap_count_continued finds
  // no continuation page (page_private(head) != SWP_CONTINUED): -ENOMEM,
  // and swap_map is left as it was.
  CHECK(m.k.__swap_duplicate(entry, 1) == -ENOMEM);
  CHECK(m.k.swap_map_at(entry) == SWAP_MAP_MAX);
  // add_swap_count_continuation adds one (returns 0); the retry goes
  // through init_map: the continuation digit becomes 1, swap_map
  // COUNT_CONTINUED (first digit 0): 0 + 63 * 1 = 63 references.
  CHECK(m.k.add_swap_count_continuation(entry) == 0);
  CHECK(m.k.__swap_duplicate(entry, 1) == 0);
  CHECK(m.k.swap_map_at(entry) == COUNT_CONTINUED);
  CHECK(m.k.swap_refs(entry) == 63);
  // The cache's reference: swapcache_prepare sets SWAP_HAS_CACHE once, then
  // -EEXIST (someone else added cache).
  CHECK(m.k.swapcache_prepare(entry) == 0);
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | COUNT_CONTINUED));
  CHECK(m.k.swapcache_prepare(entry) == -EEXIST);
  m.k.swapcache_free(entry);
  CHECK(m.k.swap_map_at(entry) == COUNT_CONTINUED);
}

TEST_CASE("swap counts go up through two continuation pages and back down to free",
          "[swap][continuation]") {
  Machine m;
  auto [a, s] = m.swapped_page(0x78);
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  // One continuation page holds up to 62 + 63 * 127 = 8063; the 8064th
  // reference finds SWAP_CONT_MAX in it and the next page is the head:
  // swap_count_continued returns false, add_swap_count_continuation adds a
  // second page, and 8064 = 0 + 63 * (0 + 128 * 1): swap_map
  // COUNT_CONTINUED, page 1's digit COUNT_CONTINUED (0), page 2's 1.
  const std::uint64_t top = 8100;
  int wrong = 0;
  for (std::uint64_t n = 2; n <= top; n++) {
    REQUIRE(m.k.swap_duplicate(entry) == 0);
    if (m.k.swap_refs(entry) != n || m.k.swap_map_at(entry) != first_digit(n))
      wrong++;
  }
  CHECK(wrong == 0);
  CHECK(m.k.swap_refs(entry) == top);
  // swap_entry_free borrows through the continuations the same way.
  for (std::uint64_t n = top - 1; n >= 1; n--) {
    m.k.swap_free(entry);
    if (m.k.swap_refs(entry) != n || m.k.swap_map_at(entry) != first_digit(n))
      wrong++;
  }
  CHECK(wrong == 0);
  CHECK(m.k.swap_map_at(entry) == 1);
  m.check_invariants(); // one pte, one reference
  // The last reference: the pte's zap frees the slot.
  m.k.mmput(a);
  CHECK(m.k.swap_map_at(entry) == 0);
  CHECK(m.k.swap_slots_used() == 0);
}

// A fork chain of n processes sharing one swapped pte: every fork's
// copy_one_pte takes a reference (swap_duplicate).
std::vector<mm_struct *> fork_chain(Machine &m, mm_struct *p0, int n) {
  std::vector<mm_struct *> mms{p0};
  for (int i = 1; i < n; i++)
    mms.push_back(m.k.do_fork(mms.back(), "P" + std::to_string(i), 1000 + i));
  return mms;
}

TEST_CASE("a write to a slot with more than 63 references copies, the others keep the old page",
          "[swap][continuation]") {
  const int n = GENERATE(64, 70);
  Machine m;
  auto [p0, s] = m.swapped_page(0x01d);
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(p0, s));
  std::vector<mm_struct *> mms = fork_chain(m, p0, n);
  // n references: swap_map COUNT_CONTINUED | (n - 63), continuation digit 1.
  CHECK(m.k.swap_map_at(entry) == (COUNT_CONTINUED | (n - 63)));
  CHECK(m.k.swap_refs(entry) == std::uint64_t(n));
  m.check_invariants();

  // The last one writes. do_swap_page: read_swap_cache_async (major);
  // reuse_swap_page: mapcount 0 + page_swapcount (COUNT_CONTINUED | ...,
  // never 1) -> not reused, the pte is read-only; swap_free takes one off
  // (n - 1 left); then FAULT_FLAG_WRITE -> do_wp_page: reuse_swap_page
  // again sees 1 + page_swapcount > 1 -> copy (VM_FAULT_WRITE).
  mm_struct *w = mms.back();
  CHECK(m.fault(w, s, true) == (VM_FAULT_MAJOR | VM_FAULT_WRITE));
  page *mine = m.mapped(w, s);
  REQUIRE(mine);
  const std::uint32_t cache_pfn = m.k.swap_cache_pfn(entry);
  REQUIRE(cache_pfn != 0);
  CHECK(m.k.page_to_pfn(mine) != cache_pfn); // copied, not reused
  CHECK(pte_write(m.pte_val(w, s)));
  m.k.contents.set_word(mine->content, 0x2e3);
  page *old = m.k.pfn_to_page(cache_pfn);
  CHECK(Kernel::PageSwapCache(old));
  CHECK(Kernel::page_mapcount(old) == 0);
  CHECK(m.k.swap_refs(entry) == std::uint64_t(n - 1));
  CHECK(m.k.page_swapcount(old) == first_digit(n - 1)); // swap_count() keeps COUNT_CONTINUED
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | first_digit(n - 1)));
  m.check_invariants();

  SECTION("every other process reads the old content") {
    for (int i = 0; i + 1 < n; i++) {
      CHECK(m.fault(mms[i], s, false) == 0); // found in the swap cache: minor
      page *p = m.mapped(mms[i], s);
      REQUIRE(p);
      CHECK(m.k.page_to_pfn(p) == cache_pfn);
      CHECK(m.word_of(p) == 0x01d);
    }
    CHECK(Kernel::page_mapcount(old) == n - 1);
    CHECK(m.k.swap_refs(entry) == 0);
    CHECK(m.k.swap_map_at(entry) == SWAP_HAS_CACHE);
    CHECK(m.word_of(mine) == 0x2e3);
    m.check_invariants();
  }
  SECTION("freeing every reference frees the slot") {
    // Each exit zaps a swap pte: free_swap_and_cache -> swap_entry_free;
    // the last sees SWAP_HAS_CACHE, finds the page unmapped and deletes it
    // from the swap cache: slot and page are freed.
    for (int i = 0; i + 1 < n; i++)
      m.k.mmput(mms[i]);
    CHECK(m.k.swap_map_at(entry) == 0);
    CHECK(m.k.swap_slots_used() == 0);
    // The writer's copy, and the old page: out of the swap cache but still
    // held by this CPU's LRU-add pagevec (read_swap_cache_async ->
    // lru_cache_add_anon). Zapping only swap ptes batches no page in the
    // mmu_gather, so tlb_flush_mmu never reaches free_pages_and_swap_cache's
    // lru_add_drain. The next drain frees it.
    CHECK(m.k.frames_in_use() == 2);
    m.k.lru_add_drain_all();
    CHECK(m.k.frames_in_use() == 1);
    m.k.mmput(w);
    CHECK(m.k.frames_in_use() == 0);
    m.check_invariants();
  }
}

TEST_CASE("the zap of a swap-cache page's last pte frees the page and its slot", "[swap][zap]") {
  const int how = GENERATE(0, 1, 2); // exit, munmap, MADV_DONTNEED
  Machine m;
  auto [a, s] = m.swapped_page(0x5a);
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  // A read fault brings it back: do_swap_page maps it and swap_free drops the
  // pte's count; vm_swap_full() is false, so it stays in the swap cache.
  CHECK(m.fault(a, s, false) == VM_FAULT_MAJOR);
  page *p = m.mapped(a, s);
  REQUIRE(p);
  REQUIRE(Kernel::PageSwapCache(p));
  REQUIRE(m.k.swap_map_at(entry) == SWAP_HAS_CACHE);
  REQUIRE(m.k.frames_in_use() == 1);
  // zap_pte_range: page_remove_rmap, then (tlb_flush_mmu)
  // free_pages_and_swap_cache -> free_swap_cache: PageSwapCache,
  // !page_mapped, trylock_page -> try_to_free_swap: page_swapcount 0 ->
  // delete_from_swap_cache (swapcache_free frees the slot); release_pages
  // drops the pte's reference: the frame is free.
  if (how == 0)
    m.k.mmput(a);
  else if (how == 1)
    CHECK(m.k.do_munmap(a, s, PAGE_SIZE) == 0);
  else
    CHECK(m.k.sys_madvise(a, s, PAGE_SIZE, MADV_DONTNEED) == 0);
  CHECK(m.k.frames_in_use() == 0);
  CHECK(m.k.swap_map_at(entry) == 0);
  CHECK(m.k.swap_cache_pfn(entry) == 0);
  CHECK(m.k.swap_slots_used() == 0);
  m.check_invariants();
}

TEST_CASE("a zap leaves a swap-cache page whose slot other ptes still hold", "[swap][zap]") {
  Machine m;
  auto [a, s] = m.swapped_page(0x5b);
  const std::uint64_t entry = pte_to_swp_entry(m.pte_val(a, s));
  mm_struct *c = m.k.do_fork(a, "C", 1001); // two swap ptes
  CHECK(m.fault(a, s, false) == VM_FAULT_MAJOR);
  page *p = m.mapped(a, s);
  REQUIRE(p);
  REQUIRE(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 1));
  // free_swap_cache -> try_to_free_swap: page_swapcount 1 (C's pte) -> 0:
  // the page stays in the swap cache, held by the cache alone.
  m.k.mmput(a);
  CHECK(m.k.frames_in_use() == 1);
  CHECK(Kernel::PageSwapCache(p));
  CHECK(Kernel::page_count(p) == 1);
  CHECK(m.k.swap_map_at(entry) == (SWAP_HAS_CACHE | 1));
  m.check_invariants();
  // C's swap pte goes: free_swap_and_cache -> swap_entry_free leaves
  // SWAP_HAS_CACHE -> the page is unmapped: delete_from_swap_cache.
  m.k.mmput(c);
  CHECK(m.k.frames_in_use() == 0);
  CHECK(m.k.swap_slots_used() == 0);
  m.check_invariants();
}

} // namespace
} // namespace ksmsim
