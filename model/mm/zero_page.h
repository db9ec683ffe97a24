// SPDX-License-Identifier: GPL-2.0-only
//
// The shared zero page in ptes: is_zero_pfn / my_zero_pfn
// (include/linux/pgtable.h) and 6.x KSM's zero pte (include/linux/ksm.h
// is_ksm_zero_pte; mm/ksm.c replace_page with use_zero_pages). The
// simulated zero page is frame 0 (Kernel::zero_page()); its ptes are
// special (vm_normal_page gives no page for them).
#pragma once

#include <cstdint>

#include "model/mm/mm_types.h"

namespace ksmsim {

// zero_pfn: the simulation's zero page is the first frame.
constexpr std::uint64_t zero_pfn = 0;

inline bool is_zero_pfn(std::uint64_t pfn) {
  return pfn == zero_pfn;
}
// my_zero_pfn(addr): one zero page for every address (no per-colour zero pages on x86).
inline std::uint64_t my_zero_pfn(std::uint64_t addr) {
  (void)addr;
  return zero_pfn;
}
inline pte_t pte_mkspecial(pte_t p) {
  return {p.val | _PAGE_SPECIAL};
}
// 6.x: a zero-page pte that KSM mapped is dirty (pte_mkdirty in
// replace_page); one mapped by a read fault (do_anonymous_page) is not.
inline bool is_ksm_zero_pte(pte_t pte) {
  return pte_present(pte) && is_zero_pfn(pte_pfn(pte)) && pte_dirty(pte);
}
// The pte 6.x replace_page installs for an empty page when use_zero_pages
// is on: pte_mkdirty(pte_mkspecial(pfn_pte(page_to_pfn(kpage), prot)))
// with kpage the zero page (ZERO_PAGE(rmap_item->address)). Not writable:
// a write fault copies it (do_wp_page -> wp_page_copy).
inline pte_t mk_ksm_zero_pte(std::uint64_t addr) {
  return pte_mkdirty(pte_mkspecial(pfn_pte(my_zero_pfn(addr))));
}

} // namespace ksmsim
