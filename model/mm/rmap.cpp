// SPDX-License-Identifier: GPL-2.0-only
//
// mm/rmap.c: anon_vmas and the anonymous reverse map, as far as KSM and
// the simulated paths need them.
#include <fmt/format.h>

#include <algorithm>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
void anon_vma_chain_link(vm_area_struct *vma, anon_vma *av) {
  vma->anon_vma_chain.push_back(av);
  av->vmas.push_back(vma);
}
} // namespace

// Differs: the kernel may reuse a neighbouring vma's anon_vma
// (find_mergeable_anon_vma); the simulator always allocates a new one.
int Kernel::anon_vma_prepare(vm_area_struct *vma) {
  if (vma->anon_vma)
    return 0;
  anon_vma_store_.push_back(std::make_unique<struct anon_vma>());
  struct anon_vma *av = anon_vma_store_.back().get();
  av->id = next_anon_vma_id_++;
  av->root = av;
  anon_vma_chain_link(vma, av);
  vma->anon_vma = av;
  return 0;
}

int Kernel::anon_vma_fork(vm_area_struct *vma, vm_area_struct *pvma) {
  if (!pvma->anon_vma)
    return 0;
  // anon_vma_clone: link to every anon_vma the parent's vma is linked to
  for (auto it = pvma->anon_vma_chain.rbegin(); it != pvma->anon_vma_chain.rend(); ++it)
    anon_vma_chain_link(vma, *it);
  anon_vma_store_.push_back(std::make_unique<struct anon_vma>());
  struct anon_vma *av = anon_vma_store_.back().get();
  av->id = next_anon_vma_id_++;
  av->root = pvma->anon_vma->root;
  get_anon_vma(av->root);
  vma->anon_vma = av;
  anon_vma_chain_link(vma, av);
  return 0;
}

void Kernel::unlink_anon_vmas(vm_area_struct *vma) {
  std::vector<struct anon_vma *> emptied;
  for (struct anon_vma *av : vma->anon_vma_chain) {
    av->vmas.erase(std::find(av->vmas.begin(), av->vmas.end(), vma));
    if (av->vmas.empty())
      emptied.push_back(av);
  }
  vma->anon_vma_chain.clear();
  for (struct anon_vma *av : emptied)
    put_anon_vma(av);
}

void Kernel::get_anon_vma(struct anon_vma *av) {
  if (av->freed)
    use_after_free(__func__, fmt::format("anon_vma {}", av->id));
  av->refcount++;
}

void Kernel::put_anon_vma(struct anon_vma *av) {
  if (av->freed)
    use_after_free(__func__, fmt::format("anon_vma {}", av->id));
  if (--av->refcount != 0)
    return;
  // __put_anon_vma
  struct anon_vma *root = av->root;
  VM_BUG_ON(!av->vmas.empty());
  av->freed = true;
  if (root != av && --root->refcount == 0) {
    VM_BUG_ON(!root->vmas.empty());
    root->freed = true;
  }
}

void Kernel::page_add_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address) {
  do_page_add_anon_rmap(p, vma, address, 0);
}

void Kernel::do_page_add_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address,
                                   int exclusive) {
  KFUNC();
  if (touch)
    touch->mapcount_before(page_to_pfn(p), page_mapcount(p));
  bool first = ++p->_mapcount == 0;
  if (PageKsm(p))
    return;
  VM_BUG_ON(!PageLocked(p));
  if (first) {
    // __page_set_anon_rmap
    struct anon_vma *av = vma->anon_vma;
    BUG_ON(!av);
    if (PageAnon(p))
      return;
    if (!exclusive)
      av = av->root;
    p->mapping = mapping_of(av->id, PAGE_MAPPING_ANON);
    p->index = linear_page_index(vma, address);
  }
}

void Kernel::page_add_new_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address) {
  KFUNC();
  VM_BUG_ON(address < vma->vm_start || address >= vma->vm_end);
  p->flags |= PG_swapbacked;
  if (touch)
    touch->mapcount_before(page_to_pfn(p), page_mapcount(p));
  p->_mapcount = 0;
  struct anon_vma *av = vma->anon_vma;
  BUG_ON(!av);
  if (!PageAnon(p)) { // __page_set_anon_rmap(page, vma, address, 1)
    p->mapping = mapping_of(av->id, PAGE_MAPPING_ANON);
    p->index = linear_page_index(vma, address);
  }
  // mlocked_vma_newpage: a page of a VM_LOCKED vma goes straight onto the
  // unevictable list (add_page_to_unevictable_list), any other through
  // this CPU's pagevec (with its reference).
  if ((vma->vm_flags & VM_LOCKED) &&
      !(vma->vm_flags & (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP))) {
    p->flags |= PG_mlocked | PG_lru;
    return;
  }
  lru_cache_add_lru(p, LRU_ACTIVE_ANON);
}

void Kernel::page_remove_rmap(page *p) {
  KFUNC();
  // v3.9 checks nothing here (atomic_add_negative(-1, &page->_mapcount)):
  // an unmapped page's count goes below -1, and zap_pte_range then prints
  // "Bad page map". Only the simulator sees the moment it goes wrong.
  if (p->_mapcount < 0)
    detector_report(__func__, "negative-mapcount",
                    fmt::format("ksmsim: page_remove_rmap of pfn {} takes its mapcount below 0",
                                page_to_pfn(p)));
  if (touch)
    touch->mapcount_before(page_to_pfn(p), page_mapcount(p));
  --p->_mapcount;
}

std::uint64_t Kernel::vma_address(const page *p, const vm_area_struct *vma) const {
  // page->index holds pgoff_t's low 32 bits: the offset is taken in 32 bits.
  const auto pgoff =
      static_cast<std::uint32_t>(p->index - static_cast<std::uint32_t>(vma->vm_pgoff));
  return vma->vm_start + (std::uint64_t(pgoff) << PAGE_SHIFT);
}

// Returns the address, or (uint64_t)-EFAULT.
std::uint64_t Kernel::page_address_in_vma(const page *p, const vm_area_struct *vma) const {
  const std::uint64_t efault = static_cast<std::uint64_t>(-EFAULT);
  if (PageAnon(p)) {
    struct anon_vma *page_av = page_anon_vma(p);
    if (!vma->anon_vma || !page_av || vma->anon_vma->root != page_av->root)
      return efault;
  } else {
    return efault;
  }
  std::uint64_t address = vma_address(p, vma);
  if (address < vma->vm_start || address >= vma->vm_end)
    return efault;
  return address;
}

pte_t *Kernel::page_check_address(page *p, mm_struct *mm, std::uint64_t address) {
  pte_t *ptep = pte_offset(mm, address, false);
  if (!ptep)
    return nullptr;
  if (pte_present(*ptep) && pte_pfn(*ptep) == page_to_pfn(p))
    return ptep;
  return nullptr;
}

int Kernel::rmap_walk(page *p, const RmapOne &rmap_one) {
  KFUNC();
  VM_BUG_ON(!PageLocked(p));
  if (PageKsm(p))
    return ksm.rmap_walk_ksm(p, rmap_one);
  if (PageAnon(p))
    return rmap_walk_anon(p, rmap_one);
  return SWAP_AGAIN;
}

int Kernel::rmap_walk_anon(page *p, const RmapOne &rmap_one) {
  int ret = SWAP_AGAIN;
  struct anon_vma *av = page_anon_vma(p);
  if (!av)
    return ret;
  if (av->freed)
    use_after_free(__func__, fmt::format("anon_vma {}", av->id));
  // The interval tree holds the vmas whose pgoff range covers page->index.
  std::vector<vm_area_struct *> vmas = av->vmas;
  for (vm_area_struct *vma : vmas) {
    std::uint64_t address = vma_address(p, vma);
    if (address < vma->vm_start || address >= vma->vm_end)
      continue;
    ret = rmap_one(p, vma, address);
    if (ret != SWAP_AGAIN)
      break;
  }
  return ret;
}

int Kernel::try_to_unmap(page *p, TtuFlags flags) {
  KFUNC();
  BUG_ON(!PageLocked(p));
  int ret;
  if (PageKsm(p))
    ret = ksm.try_to_unmap_ksm(p, flags);
  else
    ret = try_to_unmap_anon(p, flags);
  if (ret != SWAP_MLOCK && !page_mapped(p))
    ret = SWAP_SUCCESS;
  return ret;
}

int Kernel::try_to_unmap_anon(page *p, TtuFlags flags) {
  KFUNC();
  int ret = SWAP_AGAIN;
  struct anon_vma *av = page_anon_vma(p);
  if (!av)
    return ret;
  if (av->freed)
    use_after_free(__func__, fmt::format("anon_vma {}", av->id));
  std::vector<vm_area_struct *> vmas = av->vmas;
  for (vm_area_struct *vma : vmas) {
    std::uint64_t address = vma_address(p, vma);
    if (address < vma->vm_start || address >= vma->vm_end)
      continue;
    ret = try_to_unmap_one(p, vma, address, flags);
    if (ret != SWAP_AGAIN || !page_mapped(p))
      break;
  }
  return ret;
}

int Kernel::try_to_unmap_one(page *p, vm_area_struct *vma, std::uint64_t address, TtuFlags flags) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  pte_t *ptep = page_check_address(p, mm, address);
  if (!ptep)
    return SWAP_AGAIN;
  if (vma->vm_flags & VM_LOCKED)
    return SWAP_MLOCK;
  pte_t pteval = *ptep; // ptep_clear_flush
  set_pte(ptep, pte_t{});
  if (pte_dirty(pteval))
    p->flags |= PG_dirty;
  // A swap-cache page gets its swap entry even when migrating: the next
  // fault finds the (new) page in the swap cache.
  if (PageSwapCache(p)) {
    std::uint64_t entry = page_private(p);
    if (swap_duplicate(entry) < 0) {
      set_pte(ptep, pteval);
      return SWAP_FAIL;
    }
    mm->anon_rss--;
    mm->swap_ents++;
    set_pte(ptep, swp_entry_to_pte(entry));
  } else {
    BUG_ON(flags != TTU_MIGRATION);
    set_pte(ptep, make_migration_entry(page_to_pfn(p), pte_write(pteval)));
  }
  page_remove_rmap(p);
  page_cache_release(p);
  return SWAP_AGAIN;
}

} // namespace ksmsim
