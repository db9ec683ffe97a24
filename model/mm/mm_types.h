// SPDX-License-Identifier: GPL-2.0-only
//
// The simulated MMU's objects, with the kernel's names and the state that
// KSM reads and writes: struct page, ptes and page tables, vm_area_struct,
// mm_struct and anon_vma.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/mm/content.h"

namespace ksmsim {

constexpr unsigned PAGE_SHIFT = 12;
constexpr std::uint64_t PAGE_MASK = ~std::uint64_t(PAGE_SIZE - 1);

struct stable_node;
struct anon_vma;
struct mm_struct;

// page->flags bits (the subset the simulated paths use).
enum PageFlag : std::uint32_t {
  PG_locked = 1u << 0,
  PG_uptodate = 1u << 1,
  PG_dirty = 1u << 2,
  PG_swapcache = 1u << 3,
  PG_swapbacked = 1u << 4,
  PG_mlocked = 1u << 5,
  PG_error = 1u << 6,
  PG_zero = 1u << 7,   // the shared zero page (not a kernel flag: its pfn is special)
  PG_lru = 1u << 8,    // on an LRU list (not in a pagevec, not isolated)
  PG_active = 1u << 9, // on (or from) the active list
};

constexpr std::uint32_t PAGE_MAPPING_ANON = 1;
constexpr std::uint32_t PAGE_MAPPING_KSM = 2;
constexpr std::uint32_t PAGE_MAPPING_FLAGS = PAGE_MAPPING_ANON | PAGE_MAPPING_KSM;
// Differs from the kernel's layout: page->mapping holds the anon_vma's or
// stable_node's id, not its address, above the two flag bits (32 bits in
// all: Kernel::page_anon_vma, Kernel::page_stable_node; docs/port-map.md).
// Ids are below 2^30 (mapping_of throws std::bad_alloc, out of memory,
// beyond).
std::uint32_t mapping_of(std::uint32_t id, std::uint32_t flags);
inline std::uint32_t mapping_id(std::uint32_t mapping) {
  return mapping >> 2;
}

// Frames live in one array (Kernel::mem_map), so a page's pfn is its index
// there (page_to_pfn); page_private (the swap entry while PageSwapCache) is
// kept beside it (Kernel::page_private), as few pages have one. 22 bytes,
// 2-byte aligned (pack: x86 loads the 4-byte fields at any address): the
// content a 4-byte handle to its interned entry (model/mm/content.h),
// mapping in 4 (above), flags in 16 bits (the PageFlag bits).
//
// The 4-byte fields are align2<T> (model/mm/align2.h).
#pragma pack(push, 2)
struct page {
  PageContent content;
  align2<std::uint32_t> mapping = 0;   // anon_vma or stable_node id, with the low bits above
  align2<std::int32_t> _mapcount = -1; // as the kernel keeps it: -1 when unmapped
  align2<std::int32_t> _count = 0;     // the refcount; 0 when free
  // pgoff_t is unsigned long in the kernel; the simulation keeps its low 32
  // bits (linear_page_index): an anon vma's pgoff is address >> PAGE_SHIFT,
  // up to 2^35 below TASK_SIZE, but the differences the rmap computes
  // within one vma (< 16 TiB) are exact in 32-bit arithmetic.
  align2<std::uint32_t> index = 0; // linear page index (address >> PAGE_SHIFT for anon)
  std::uint16_t flags = 0;         // PageFlag
};
#pragma pack(pop)
static_assert(sizeof(page) == 22, "a simulated page frame must stay small");
static_assert(PG_active < 1u << 16, "page::flags holds every PageFlag");

// x86-64 (3.9): TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE (arch/x86/include/asm/processor.h).
constexpr std::uint64_t TASK_SIZE = (std::uint64_t(1) << 47) - PAGE_SIZE;

// A pte: present pages carry a pfn; swap and migration entries carry an
// offset or pfn; pte_none is 0.
struct pte_t {
  std::uint64_t val = 0;
};
enum PteBits : std::uint64_t {
  _PAGE_PRESENT = 1u << 0,
  _PAGE_RW = 1u << 1,
  _PAGE_DIRTY = 1u << 2,
  _PAGE_SPECIAL = 1u << 3, // the zero page
  _PAGE_YOUNG = 1u << 4,
  _PTE_SWAP = 1u << 5,      // not present: a swap entry
  _PTE_MIGRATION = 1u << 6, // not present: a migration entry (pfn of the old page)
};
constexpr unsigned PTE_PFN_SHIFT = 12;

inline bool pte_none(pte_t p) {
  return p.val == 0;
}
inline bool pte_present(pte_t p) {
  return p.val & _PAGE_PRESENT;
}
inline bool pte_write(pte_t p) {
  return p.val & _PAGE_RW;
}
inline bool pte_dirty(pte_t p) {
  return p.val & _PAGE_DIRTY;
}
inline bool pte_special(pte_t p) {
  return p.val & _PAGE_SPECIAL;
}
inline std::uint64_t pte_pfn(pte_t p) {
  return p.val >> PTE_PFN_SHIFT;
}
inline bool pte_same(pte_t a, pte_t b) {
  return a.val == b.val;
}
inline pte_t pte_wrprotect(pte_t p) {
  return {p.val & ~std::uint64_t(_PAGE_RW)};
}
inline pte_t pte_mkclean(pte_t p) {
  return {p.val & ~std::uint64_t(_PAGE_DIRTY)};
}
inline pte_t pte_mkdirty(pte_t p) {
  return {p.val | _PAGE_DIRTY};
}
inline pte_t pte_mkwrite(pte_t p) {
  return {p.val | _PAGE_RW};
}
inline pte_t pte_mkold(pte_t p) {
  return {p.val & ~std::uint64_t(_PAGE_YOUNG)};
}
inline pte_t pfn_pte(std::uint64_t pfn) {
  return {(pfn << PTE_PFN_SHIFT) | _PAGE_PRESENT | _PAGE_YOUNG};
}
inline bool is_swap_pte(pte_t p) {
  return !pte_none(p) && !pte_present(p);
}
inline bool is_migration_entry(pte_t p) {
  return (p.val & _PTE_MIGRATION) != 0;
}
inline pte_t swp_entry_to_pte(std::uint64_t entry) {
  return {(entry << PTE_PFN_SHIFT) | _PTE_SWAP};
}
inline std::uint64_t pte_to_swp_entry(pte_t p) {
  return p.val >> PTE_PFN_SHIFT;
}
inline pte_t make_migration_entry(std::uint64_t pfn, bool write) {
  return {(pfn << PTE_PFN_SHIFT) | _PTE_MIGRATION | (write ? std::uint64_t(_PAGE_RW) : 0)};
}

// vm_flags bits.
enum VmFlag : std::uint64_t {
  VM_READ = 1u << 0,
  VM_WRITE = 1u << 1,
  VM_MAYREAD = 1u << 4,
  VM_MAYWRITE = 1u << 5,
  VM_SHARED = 1u << 3,
  VM_MAYSHARE = 1u << 7,
  VM_PFNMAP = 1u << 10,
  VM_LOCKED = 1u << 13,
  VM_IO = 1u << 14,
  VM_DONTEXPAND = 1u << 18,
  VM_HUGETLB = 1u << 22,
  VM_NONLINEAR = 1u << 23,
  VM_MIXEDMAP = 1u << 28,
  VM_MERGEABLE = 1u << 31,
};

struct vm_area_struct {
  mm_struct *vm_mm = nullptr;
  std::uint64_t vm_start = 0, vm_end = 0;
  std::uint64_t vm_flags = 0;
  std::uint64_t vm_pgoff = 0;
  struct anon_vma *anon_vma = nullptr;
  std::vector<struct anon_vma *> anon_vma_chain; // every anon_vma this vma is linked to
  vm_area_struct *vm_next = nullptr;
  // The vma's mempolicy: MPOL_BIND to this node, or -1 for none (the
  // default policy: local allocation, falling back along the zonelist).
  int node = -1;
  std::uint32_t id = 0;
};

struct anon_vma {
  struct anon_vma *root = nullptr;
  int refcount = 1;
  std::vector<vm_area_struct *> vmas; // the avc interval tree, in link order
  std::uint32_t id = 0;
  bool freed = false;
};

// Page tables: 512 ptes a table, indexed by address >> 21.
using page_table = std::array<pte_t, 512>;

struct mm_struct {
  std::string name;
  std::uint32_t id = 0;
  int pid = 0;
  int mm_users = 1;
  int mm_count = 1;
  std::uint64_t flags = 0; // MMF_VM_MERGEABLE
  vm_area_struct *mmap = nullptr;
  // Indexed from the top of the address space down (pgtable_key): mmaps
  // go top-down from mmap_base, so the vector stays as short as they are.
  std::vector<std::unique_ptr<page_table>> pgtables;
  // The last page table looked up (a lookup cache; tables are freed only at exit).
  std::uint64_t pt_cache_key = ~std::uint64_t(0);
  page_table *pt_cache = nullptr;
  int mmap_sem_readers = 0;
  bool mmap_sem_writer = false;
  int node = 0; // default node of its allocations
  long anon_rss = 0, swap_ents = 0;
  std::uint64_t mmap_base = 0; // arch_pick_mmap_layout: the top of the mmap area
  bool freed = false;
  // 6.x's per-mm KSM figures (include/linux/mm_types.h, CONFIG_KSM), kept
  // by the ports that have them (/proc/PID/ksm_stat, ksm_process_profit);
  // 0 in the older ports. unsigned long and atomic_long_t as in the kernel.
  std::uint64_t ksm_merging_pages = 0; // pages of this mm merged by KSM
  std::uint64_t ksm_rmap_items = 0;    // ksm_rmap_items allocated for this mm
  std::int64_t ksm_zero_pages = 0;     // KSM zero ptes (is_ksm_zero_pte) in this mm
};
// mm->flags bits (include/linux/sched/coredump.h of 6.x): the bit numbers
// are the kernel's, as masks.
constexpr std::uint64_t MMF_VM_MERGEABLE = 1u << 16; // KSM may merge vmas of this mm
constexpr std::uint64_t MMF_VM_MERGE_ANY = 1u << 30; // prctl(PR_SET_MEMORY_MERGE): every vma
// MMF_INIT_MASK: what mm_init (kernel/fork.c) copies from the parent's
// flags; of the simulated bits only MMF_VM_MERGE_ANY (6.7+; MMF_VM_MERGEABLE
// is not inherited, ksm_fork enters the child instead).
constexpr std::uint64_t MMF_INIT_MASK = MMF_VM_MERGE_ANY;

// linear_page_index (include/linux/pagemap.h), kept as page->index keeps it.
inline std::uint32_t linear_page_index(const vm_area_struct *vma, std::uint64_t address) {
  return static_cast<std::uint32_t>(((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff);
}

// The page table of an address: tables are counted down from TASK_SIZE.
inline std::uint64_t pgtable_key(std::uint64_t addr) {
  return ((std::uint64_t(1) << 47) - 1 - addr) >> (PAGE_SHIFT + 9);
}
inline std::uint64_t pgtable_start(std::uint64_t key) {
  return (std::uint64_t(1) << 47) - ((key + 1) << (PAGE_SHIFT + 9));
}

// The pte that maps addr in mm's page tables, or nullptr where mm has no
// page table there: a lookup that allocates nothing and leaves mm's lookup
// cache alone (Kernel::pte_offset is the kernel's walk, with both).
inline const pte_t *pte_lookup(const mm_struct &mm, std::uint64_t addr) {
  const std::uint64_t key = pgtable_key(addr);
  if (key >= mm.pgtables.size() || !mm.pgtables[key])
    return nullptr;
  return &(*mm.pgtables[key])[(addr >> PAGE_SHIFT) & 511];
}

} // namespace ksmsim
