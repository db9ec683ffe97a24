// SPDX-License-Identifier: GPL-2.0-only
#include "model/mm/pagewalk.h"

namespace ksmsim {

page *folio_walk_start(Kernel &k, folio_walk *fw, vm_area_struct *vma, std::uint64_t addr,
                       unsigned flags) {
  pte_t *ptep = k.pte_offset(vma->vm_mm, addr, false); // pte_offset_map_lock
  if (!ptep)
    return nullptr; // not_found
  const pte_t pte = *ptep;
  page *p = nullptr;
  if (pte_present(pte)) {
    p = k.vm_normal_page(vma, addr, pte);
    if (!p && (flags & FW_ZEROPAGE) && is_zero_pfn(pte_pfn(pte)))
      p = k.pfn_to_page(pte_pfn(pte));
  } else if (!pte_none(pte)) {
    if ((flags & FW_MIGRATION) && is_migration_entry(pte))
      p = k.pfn_to_page(pte_pfn(pte)); // pfn_swap_entry_to_page
  }
  if (!p)
    return nullptr;
  fw->page = p;
  fw->pte = pte;
  fw->ptep = ptep;
  return p;
}

} // namespace ksmsim
