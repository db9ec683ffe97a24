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
    set_pte(ptep, pte);
    if (PageAnon(np))
      page_add_anon_rmap(np, vma, addr);
    return int(SWAP_AGAIN);
  });
}

// move_pages(2) of one page after migrate_prep(): isolate_lru_page, then
// migrate_pages' passes (10 while -EAGAIN) of unmap_and_move; a page left
// unmigrated goes back to the LRU (putback_lru_pages).
int Kernel::migrate_page_to_node(page *p, int nid) {
  KFUNC();
  if (page_to_nid(p) == nid)
    return 0;
  if (int err = isolate_lru_page(p))
    return err; // still in a pagevec: move_pages' status -EBUSY
  int rc = -EAGAIN;
  for (int pass = 0; pass < 10 && rc == -EAGAIN; pass++)
    rc = unmap_and_move(p, nid);
  if (rc == -EAGAIN || rc == -ENOMEM)
    putback_lru_page(p);
  return rc;
}

// unmap_and_move with new_page_node's alloc_pages_exact_node(nid,
// GFP_HIGHUSER_MOVABLE | GFP_THISNODE): the page holds the isolation
// reference; both pages go back through putback_lru_page, the old one only
// when the result is final (not -EAGAIN), and a migrated old page is freed
// when its pagevec drains.
int Kernel::unmap_and_move(page *p, int nid) {
  KFUNC();
  page *newpage = alloc_page_node(nid);
  if (!newpage)
    return -ENOMEM;
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
        if (touch)
          touch->need_full();
        p->_count--; // page_unfreeze_refs(page, expected_count - 1)
      }
      // migrate_page_copy
      copy_user_highpage(newpage, p);
      newpage->flags |= p->flags & (PG_uptodate | PG_dirty | PG_error | PG_mlocked | PG_active);
      p->flags &= ~PG_active; // TestClearPageActive
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
  if (rc != -EAGAIN)
    putback_lru_page(p);
  putback_lru_page(newpage); // if migration failed this will free it (at the drain)
  return rc;
}

} // namespace ksmsim
