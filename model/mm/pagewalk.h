// SPDX-License-Identifier: GPL-2.0-only
//
// 6.x mm/pagewalk.c's folio_walk_start for the simulation's small,
// pte-mapped pages: what 6.x ksm.c's break_ksm, get_mergeable_page and
// scan_get_next_rmap_item use in place of 3.9's follow_page. No page
// table lock is taken (one CPU runs at a time), so folio_walk_end has
// nothing to do.
#pragma once

#include <cstdint>

#include "model/mm/kernel.h"

namespace ksmsim {

// include/linux/pagewalk.h's folio_walk_flags.
enum FolioWalkFlags : unsigned {
  FW_MIGRATION = 1u << 0, // also a migration entry's page
  FW_ZEROPAGE = 1u << 1,  // also the shared zero page
};

struct folio_walk {
  struct page *page = nullptr; // the page mapped (fw.page)
  pte_t pte;                   // the pte as read (fw.pte; FW_LEVEL_PTE)
  pte_t *ptep = nullptr;
};

// The page mapped at addr (no reference taken), or null: a present pte's
// normal page; the zero page only with FW_ZEROPAGE; a migration entry's
// page only with FW_MIGRATION.
page *folio_walk_start(Kernel &k, folio_walk *fw, vm_area_struct *vma, std::uint64_t addr,
                       unsigned flags);

} // namespace ksmsim
