// SPDX-License-Identifier: GPL-2.0-only
//
// mm/migrate.c for one anonymous page (KSM pages included): unmap_and_move
// with migration entries, move_to_new_page, migrate_page_copy with
// ksm_migrate_page, then remove_migration_ptes through rmap_walk.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

// remove_migration_ptes: every migration entry for old maps new_page instead.
void Kernel::remove_migration_ptes(page *old, page *new_page) {
  rmap_walk(new_page, [&](page *np, vm_area_struct *vma, std::uint64_t addr) {
    pte_t *ptep = pte_offset(vma->vm_mm, addr, false);
    if (!ptep || !is_migration_entry(*ptep) || pte_pfn(*ptep) != page_to_pfn(old))
      return int(SWAP_AGAIN);
    get_page(np);
    pte_t pte = pte_mkold(pfn_pte(page_to_pfn(np)));
    if (ptep->val & _PAGE_RW)
      pte = pte_mkwrite(pte);
    *ptep = pte;
    if (PageAnon(np))
      page_add_anon_rmap(np, vma, addr);
    return int(SWAP_AGAIN);
  });
}

int Kernel::migrate_page_to_node(page *p, int nid) {
  KFUNC();
  if (page_to_nid(p) == nid)
    return 0;
  page *newpage = alloc_page_node(nid);
  if (!newpage)
    return -ENOMEM;
  get_page(p); // isolate_lru_page
  if (!trylock_page(p))
    lock_page(p);
  struct anon_vma *av = nullptr;
  if (PageAnon(p) && !PageKsm(p)) {
    av = page_anon_vma(p); // page_get_anon_vma
    get_anon_vma(av);
  }
  int rc = -EAGAIN;
  if (page_mapped(p))
    try_to_unmap(p, TTU_MIGRATION);
  if (!page_mapped(p)) {
    // move_to_new_page
    if (!trylock_page(newpage))
      kernel_bug(__func__, "new page locked");
    newpage->index = p->index;
    newpage->mapping = p->mapping;
    newpage->flags |= p->flags & PG_swapbacked;
    // migrate_page_move_mapping: expected references
    int expected = PageSwapCache(p) ? 2 : 1;
    rc = page_count(p) == expected ? 0 : -EAGAIN;
    if (rc == 0) {
      if (PageSwapCache(p)) {
        get_page(newpage);
        newpage->flags |= PG_swapcache;
        set_page_private(newpage, static_cast<std::uint32_t>(page_private(p)));
        swap_cache_[page_private(p)] = page_to_pfn(newpage);
        p->_count--; // page_unfreeze_refs(page, expected_count - 1)
      }
      // migrate_page_copy
      copy_user_highpage(newpage, p);
      newpage->flags |= p->flags & (PG_uptodate | PG_dirty | PG_error | PG_mlocked);
      ksm.ksm_migrate_page(newpage, p);
      p->flags &= ~(PG_swapcache | PG_dirty);
      set_page_private(p, static_cast<std::uint32_t>(0));
      remove_migration_ptes(p, newpage);
      p->mapping = 0;
    } else {
      newpage->mapping = 0;
    }
    unlock_page(newpage);
  }
  if (rc)
    remove_migration_ptes(p, p); // put the old page back
  if (av)
    put_anon_vma(av);
  unlock_page(p);
  trace_fmt("ksmsim_migrate", "pfn {} -> pfn {} node {} rc {}", page_to_pfn(p),
            page_to_pfn(newpage), nid, rc);
  put_page(p);       // putback: the old page is freed if migrated
  put_page(newpage); // putback_lru_page(newpage)
  return rc;
}

} // namespace ksmsim
