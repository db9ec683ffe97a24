// SPDX-License-Identifier: GPL-2.0-only
//
// mm/memory.c: page tables, follow_page, the anonymous fault paths
// (do_anonymous_page, do_wp_page, do_swap_page), zap and fork's copy.
// The simulation holds no pte lock and runs one CPU at a time, so the
// kernel's pte_same re-checks after dropping a lock always succeed here.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

pte_t *Kernel::pte_offset(mm_struct *mm, std::uint64_t addr, bool alloc) {
  std::uint64_t key = pgtable_key(addr);
  if (key != mm->pt_cache_key) {
    if (key >= mm->pgtables.size() || !mm->pgtables[key]) {
      if (!alloc)
        return nullptr;
      if (key >= mm->pgtables.size())
        mm->pgtables.resize(key + 1);
      mm->pgtables[key] = std::make_unique<page_table>();
    }
    mm->pt_cache_key = key;
    mm->pt_cache = mm->pgtables[key].get();
  }
  return &(*mm->pt_cache)[(addr >> PAGE_SHIFT) & 511];
}

bool Kernel::mm_find_pmd(mm_struct *mm, std::uint64_t addr) {
  return pte_lookup(*mm, addr) != nullptr;
}

page *Kernel::vm_normal_page(vm_area_struct *vma, std::uint64_t addr, pte_t pte) {
  if (pte_special(pte))
    return nullptr;
  return pfn_to_page(pte_pfn(pte));
}

// follow_page_mask (3.9): the page mapped at address, with a reference if
// FOLL_GET. The zero page is returned too; a swap entry gives nullptr.
page *Kernel::follow_page(vm_area_struct *vma, std::uint64_t address, unsigned flags) {
  pte_t *ptep = pte_offset(vma->vm_mm, address, false);
  if (!ptep)
    return nullptr;
  pte_t pte = *ptep;
  if (!pte_present(pte))
    return nullptr; // migration entries never outlive a step here
  page *p = vm_normal_page(vma, address, pte);
  if (!p) {
    if (!is_zero_pfn(pte_pfn(pte)))
      return nullptr;
    p = zero_page();
  }
  if (flags & FOLL_GET)
    get_page(p);
  return p;
}

int Kernel::handle_mm_fault(mm_struct *mm, vm_area_struct *vma, std::uint64_t address,
                            unsigned flags) {
  KFUNC();
  if (flags & FAULT_FLAG_UNSHARE) {
    // 6.x sanitize_fault_flags: unsharing is not writing, and only a COW
    // mapping has anything to unshare.
    if (flags & FAULT_FLAG_WRITE) {
      kernel_warn_once_at("sanitize_fault_flags", "mm/memory.c: WARN_ON_ONCE(FAULT_FLAG_WRITE)");
      return VM_FAULT_SIGSEGV;
    }
    if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) != VM_MAYWRITE) // !is_cow_mapping
      flags &= ~unsigned(FAULT_FLAG_UNSHARE);
  }
  // handle_pte_fault
  pte_t *ptep = pte_offset(mm, address, true);
  pte_t entry = *ptep;
  if (!pte_present(entry)) {
    if (pte_none(entry))
      return do_anonymous_page(mm, vma, address, ptep, flags);
    return do_swap_page(mm, vma, address, ptep, flags, entry);
  }
  if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) {
    if (!pte_write(entry))
      return (flags & FAULT_FLAG_UNSHARE) ? do_wp_page_unshare(mm, vma, address, ptep, entry)
                                          : do_wp_page(mm, vma, address, ptep, entry);
    if (flags & FAULT_FLAG_WRITE)
      entry = pte_mkdirty(entry);
  }
  entry.val |= _PAGE_YOUNG;
  set_pte(ptep, entry);
  return 0;
}

int Kernel::do_anonymous_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address,
                              pte_t *ptep, unsigned flags) {
  KFUNC();
  pte_t entry;
  if (!(flags & FAULT_FLAG_WRITE)) {
    // Use the zero page for reads: no reference, no rmap.
    entry = pfn_pte(0);
    entry.val |= _PAGE_SPECIAL;
    set_pte(ptep, entry);
    return 0;
  }
  if (anon_vma_prepare(vma))
    return VM_FAULT_OOM;
  page *p = alloc_page_vma(vma, address);
  if (!p)
    return VM_FAULT_OOM;
  contents.set_word(p->content, 0); // alloc_zeroed_user_highpage_movable
  p->flags |= PG_uptodate;
  entry = pfn_pte(page_to_pfn(p));
  if (vma->vm_flags & VM_WRITE)
    entry = pte_mkwrite(pte_mkdirty(entry));
  mm->anon_rss++;
  page_add_new_anon_rmap(p, vma, address);
  set_pte(ptep, entry);
  return 0;
}

// page_move_anon_rmap: the page now belongs to this vma's anon_vma only.
static void page_move_anon_rmap(page *p, vm_area_struct *vma) {
  p->mapping = mapping_of(vma->anon_vma->id, PAGE_MAPPING_ANON);
}

int Kernel::do_wp_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                       pte_t orig_pte) {
  KFUNC();
  int ret = 0;
  page *old_page = vm_normal_page(vma, address, orig_pte);
  if (old_page) {
    if (PageAnon(old_page) && !PageKsm(old_page)) {
      if (!trylock_page(old_page))
        lock_page(old_page);
      if (reuse_swap_page(old_page)) {
        page_move_anon_rmap(old_page, vma);
        unlock_page(old_page);
        // reuse:
        pte_t entry = orig_pte;
        entry.val |= _PAGE_YOUNG;
        if (vma->vm_flags & VM_WRITE)
          entry = pte_mkwrite(pte_mkdirty(entry));
        set_pte(ptep, entry);
        return VM_FAULT_WRITE;
      }
      unlock_page(old_page);
    }
    get_page(old_page); // page_cache_get
  }
  // gotten: a KSM page, a shared anon page or the zero page is copied.
  if (anon_vma_prepare(vma)) {
    if (old_page)
      page_cache_release(old_page);
    return VM_FAULT_OOM;
  }
  page *new_page = alloc_page_vma(vma, address);
  if (!new_page) {
    if (old_page)
      page_cache_release(old_page);
    return VM_FAULT_OOM;
  }
  if (is_zero_pfn(pte_pfn(orig_pte)))
    contents.set_word(new_page->content, 0);
  else
    copy_user_highpage(new_page, old_page); // cow_user_page
  new_page->flags |= PG_uptodate;
  if (pte_same(*ptep, orig_pte)) {
    if (!old_page) {
      ksm.ksm_might_unmap_zero_page(mm, orig_pte); // 6.x wp_page_copy
      mm->anon_rss++;
    }
    pte_t entry = pfn_pte(page_to_pfn(new_page));
    if (vma->vm_flags & VM_WRITE)
      entry = pte_mkwrite(pte_mkdirty(entry));
    set_pte(ptep, pte_t{}); // ptep_clear_flush
    page_add_new_anon_rmap(new_page, vma, address);
    set_pte(ptep, entry);
    explain({.why = Why::wp_copy, .pg = old_page, .mm = mm, .addr = address});
    if (old_page)
      page_remove_rmap(old_page);
    // Free the old page..
    new_page = old_page;
    ret |= VM_FAULT_WRITE;
  }
  if (new_page)
    page_cache_release(new_page);
  if (old_page)
    page_cache_release(old_page);
  return ret;
}

int Kernel::do_swap_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                         unsigned flags, pte_t orig_pte) {
  KFUNC();
  int ret = 0;
  int exclusive = 0;
  if (is_migration_entry(orig_pte))
    kernel_bug(__func__, "migration entry outside a migration");
  std::uint64_t entry = pte_to_swp_entry(orig_pte);
  page *p = lookup_swap_cache(entry);
  if (!p) {
    // swapin_readahead: no readahead here, but its lru_add_drain() before
    // reading the target page.
    lru_add_drain();
    p = read_swap_cache_async(entry, vma, address);
    if (!p)
      return pte_same(*ptep, orig_pte) ? VM_FAULT_OOM : 0;
    ret = VM_FAULT_MAJOR;
  }
  page *swapcache = p;
  trace_fmt("ksmsim_swapin", "mm {} addr {:x} entry {} pfn {}", mm->name, address, entry,
            page_to_pfn(p));
  cond_resched("do_swap_page:lock_page");
  if (!trylock_page(p))
    lock_page(p);

  auto out_release = [&]() {
    page_cache_release(p);
    if (p != swapcache) {
      unlock_page(swapcache);
      page_cache_release(swapcache);
    }
    return ret;
  };
  auto out_page = [&]() {
    unlock_page(p);
    return out_release();
  };

  if (!PageSwapCache(p) || page_private(p) != entry)
    return out_page();

  p = ksm.ksm_might_need_to_copy(p, vma, address);
  if (!p) {
    ret = VM_FAULT_OOM;
    p = swapcache;
    return out_page();
  }
  if (!pte_same(*ptep, orig_pte))
    return out_page(); // out_nomap
  if (!PageUptodate(p)) {
    ret = VM_FAULT_SIGBUS;
    return out_page(); // out_nomap
  }

  mm->anon_rss++;
  mm->swap_ents--;
  pte_t pte = pfn_pte(page_to_pfn(p));
  if ((flags & FAULT_FLAG_WRITE) && reuse_swap_page(p)) {
    pte = pte_mkdirty(pte);
    if (vma->vm_flags & VM_WRITE)
      pte = pte_mkwrite(pte);
    flags &= ~FAULT_FLAG_WRITE;
    ret |= VM_FAULT_WRITE;
    exclusive = 1;
  }
  set_pte(ptep, pte);
  if (p == swapcache)
    do_page_add_anon_rmap(p, vma, address, exclusive);
  else // ksm created a completely new copy
    page_add_new_anon_rmap(p, vma, address);

  swap_free(entry);
  if (swap_slots_used() * 2 > machine.swap_pages || (vma->vm_flags & VM_LOCKED) ||
      (p->flags & PG_mlocked))
    try_to_free_swap(p); // vm_swap_full()
  unlock_page(p);
  if (p != swapcache) {
    unlock_page(swapcache);
    page_cache_release(swapcache);
  }
  if (flags & FAULT_FLAG_WRITE) {
    ret |= do_wp_page(mm, vma, address, ptep, pte);
    if (ret & (VM_FAULT_OOM | VM_FAULT_SIGBUS))
      ret &= (VM_FAULT_OOM | VM_FAULT_SIGBUS);
  }
  return ret;
}

// zap_pte_range over [start, end) of one vma. Pages are released at once
// (the kernel batches them in an mmu_gather until the end of the range):
// a page whose last pte goes leaves the swap cache (free_swap_cache) and a
// swap pte drops its slot reference (free_swap_and_cache).
void Kernel::zap_page_range(vm_area_struct *vma, std::uint64_t start, std::uint64_t end) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  bool need_flush = false; // the mmu_gather's
  for (std::uint64_t addr = start; addr < end; addr += PAGE_SIZE) {
    pte_t *ptep = pte_offset(mm, addr, false);
    if (!ptep || pte_none(*ptep))
      continue;
    pte_t ptent = *ptep;
    set_pte(ptep, pte_t{});
    if (pte_present(ptent)) {
      need_flush = true; // tlb_remove_tlb_entry
      page *p = vm_normal_page(vma, addr, ptent);
      if (!p) {
        ksm.ksm_might_unmap_zero_page(mm, ptent); // 6.x zap_present_ptes
        continue;
      }
      mm->anon_rss--;
      page_remove_rmap(p);
      if (page_mapcount(p) < 0) // print_bad_pte: logged, the kernel is tainted and goes on
        kernel_warn("zap_pte_range",
                    fmt::format("BUG: Bad page map in process {}  pte:{:08x} page:pfn {} "
                                "count:{} mapcount:{}",
                                mm->name, ptent.val, page_to_pfn(p), page_count(p),
                                page_mapcount(p)));
      // __tlb_remove_page; tlb_flush_mmu -> free_pages_and_swap_cache:
      // at once here, which frees the same pages as the batch would.
      free_page_and_swap_cache(p);
      continue;
    }
    mm->swap_ents--;
    if (!free_swap_and_cache(pte_to_swp_entry(ptent)))
      kernel_warn("zap_pte_range",
                  fmt::format("BUG: Bad page map in process {}  pte:{:08x}", mm->name, ptent.val));
  }
  // tlb_finish_mmu -> tlb_flush_mmu -> free_pages_and_swap_cache starts with
  // lru_add_drain(): this CPU's pagevecs go to the LRU (and a page unmapped
  // here that only a pagevec still held is freed). The simulation drops
  // the pages' references at once instead of batching them.
  if (need_flush)
    lru_add_drain();
}

// copy_page_range + copy_one_pte for a private anonymous vma.
int Kernel::copy_page_range(mm_struct *dst_mm, mm_struct *src_mm, vm_area_struct *dst_vma,
                            vm_area_struct *vma) {
  KFUNC();
  if (!vma->anon_vma)
    return 0;
  bool cow = (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE; // is_cow_mapping
  // The vma's tables in ascending address order (keys count down).
  const std::uint64_t last_key = pgtable_key(vma->vm_end - 1);
  for (std::uint64_t key = pgtable_key(vma->vm_start) + 1; key-- > last_key;) {
    if (key >= src_mm->pgtables.size())
      continue;
    const auto &table = src_mm->pgtables[key];
    if (!table)
      continue;
    for (unsigned i = 0; i < 512; i++) {
      std::uint64_t addr = pgtable_start(key) | (std::uint64_t(i) << PAGE_SHIFT);
      if (addr < vma->vm_start || addr >= vma->vm_end)
        continue;
      pte_t *src_pte = &(*table)[i];
      pte_t pte = *src_pte;
      if (pte_none(pte))
        continue;
      if (!pte_present(pte)) {
        // copy_one_pte returns the entry when swap_duplicate fails (its
        // GFP_ATOMIC continuation); copy_pte_range adds one with
        // GFP_KERNEL and copies the pte again.
        while (swap_duplicate(pte_to_swp_entry(pte)) < 0)
          if (add_swap_count_continuation(pte_to_swp_entry(pte)) < 0)
            return -ENOMEM;
        dst_mm->swap_ents++;
      } else {
        if (cow) {
          set_pte(src_pte, pte_wrprotect(*src_pte)); // ptep_set_wrprotect
          pte = pte_wrprotect(pte);
        }
        pte = pte_mkold(pte);
        page *p = vm_normal_page(vma, addr, pte);
        if (p) {
          get_page(p);
          page_dup_rmap(p);
          dst_mm->anon_rss++;
        }
      }
      set_pte(pte_offset(dst_mm, addr, true), pte);
    }
  }
  return 0;
}

} // namespace ksmsim
