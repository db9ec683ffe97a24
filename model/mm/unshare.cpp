// SPDX-License-Identifier: GPL-2.0-only
//
// 6.x mm/memory.c's unshare fault: do_wp_page with FAULT_FLAG_UNSHARE and
// wp_page_copy. 6.x break_ksm (mm/ksm.c) calls handle_mm_fault(vma, addr,
// FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE) on a KSM page or a KSM zero pte:
// the page is replaced by an exclusive anonymous copy, but the pte stays
// write-protected and clean (unsharing is not writing), so a later write
// fault reuses the copy. The 3.9 port breaks COW with a write fault
// (do_wp_page in memory.cpp) and never comes here.
//
// Differs: the simulation has no PageAnonExclusive. 6.x reuses an anon
// page marked exclusive without further checks; here every non-KSM anon
// page goes through wp_can_reuse_anon_folio's reference checks. break_ksm
// only unshares KSM pages and KSM zero ptes (never exclusive), so its
// results are the kernel's.
#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
// folio_move_anon_rmap: the page now belongs to this vma's anon_vma only.
void folio_move_anon_rmap(page *p, vm_area_struct *vma) {
  p->mapping = mapping_of(vma->anon_vma->id, PAGE_MAPPING_ANON); // an id: mm_types.h
}
} // namespace

int Kernel::do_wp_page_unshare(mm_struct *mm, vm_area_struct *vma, std::uint64_t address,
                               pte_t *ptep, pte_t orig_pte) {
  KFUNC();
  // (userfaultfd and the shared-mapping paths are for writes only, and the
  // simulation's vmas are private.)
  page *p = vm_normal_page(vma, address, orig_pte);
  // Private mapping: an exclusive anonymous page is left as it is.
  if (p && PageAnon(p)) {
    // wp_can_reuse_anon_folio (small folio): a KSM page, or one with more
    // references than its mapping, the swap cache and the LRU-add batch
    // could hold, is never reused.
    bool reuse = false;
    if (!PageKsm(p) && page_count(p) <= 3) {
      if (!PageLRU(p))
        lru_add_drain(); // the pagevec's reference may be the extra one
      if (page_count(p) <= 1 + (PageSwapCache(p) ? 1 : 0) && trylock_page(p)) {
        if (PageSwapCache(p))
          try_to_free_swap(p); // folio_free_swap
        if (!PageKsm(p) && page_count(p) == 1) {
          folio_move_anon_rmap(p, vma);
          reuse = true;
        }
        unlock_page(p);
      }
    }
    if (reuse)
      return 0; // SetPageAnonExclusive; unshare: nothing more to do
  }
  // Ok, we need to copy. Oh, well..
  if (p)
    get_page(p); // folio_get
  return wp_page_copy(mm, vma, address, ptep, orig_pte, p, true);
}

// wp_page_copy: old_page is the page the pte maps (with a reference the
// caller took), or null for the zero page.
int Kernel::wp_page_copy(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                         pte_t orig_pte, page *old_page, bool unshare) {
  KFUNC();
  // vmf_anon_prepare
  if (anon_vma_prepare(vma)) {
    if (old_page)
      put_page(old_page);
    return VM_FAULT_OOM;
  }
  const bool pfn_is_zero = is_zero_pfn(pte_pfn(orig_pte));
  page *new_page = alloc_page_vma(vma, address); // folio_prealloc
  if (!new_page) {
    if (old_page)
      put_page(old_page);
    return VM_FAULT_OOM;
  }
  if (pfn_is_zero)
    contents.set_word(new_page->content, 0); // folio_prealloc(need_zero)
  else
    copy_user_highpage(new_page, old_page); // __wp_page_copy_user
  new_page->flags |= PG_uptodate;           // __folio_mark_uptodate

  bool page_copied = false;
  // Re-check the pte - we dropped the lock
  if (pte_same(*ptep, orig_pte)) {
    if (!old_page) {
      ksm.ksm_might_unmap_zero_page(mm, orig_pte);
      mm->anon_rss++; // inc_mm_counter(mm, MM_ANONPAGES)
    }
    // mk_pte(vma->vm_page_prot) is young (_PAGE_ACCESSED) and neither
    // writable nor dirty; a write makes it maybe_mkwrite(pte_mkdirty()).
    pte_t entry = pfn_pte(page_to_pfn(new_page));
    if (!unshare) {
      entry = pte_mkdirty(entry);
      if (vma->vm_flags & VM_WRITE)
        entry = pte_mkwrite(entry);
    }
    set_pte(ptep, pte_t{});                         // ptep_clear_flush
    page_add_new_anon_rmap(new_page, vma, address); // folio_add_new_anon_rmap + folio_add_lru_vma
    BUG_ON(unshare && pte_write(entry));
    set_pte(ptep, entry);
    explain({.why = Why::wp_copy, .pg = old_page, .mm = mm, .addr = address});
    if (old_page)
      page_remove_rmap(old_page); // folio_remove_rmap_pte
    // Free the old page..
    new_page = old_page;
    page_copied = true;
  }
  if (new_page)
    put_page(new_page);
  if (old_page) {
    if (page_copied)
      free_swap_cache(old_page);
    put_page(old_page);
  }
  return 0;
}

} // namespace ksmsim
