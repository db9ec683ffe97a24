// SPDX-License-Identifier: GPL-2.0-only
#include "sim/step/page_names.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

std::vector<NamedRegion> PageNames::regions() const {
  if (!source_)
    return {};
  return source_();
}

std::string PageNames::page(const mm_struct *mm, std::uint64_t addr) const {
  addr &= PAGE_MASK;
  for (const NamedRegion &r : regions())
    if (r.mmp == mm && addr >= r.start && addr < r.start + std::uint64_t(r.pages) * PAGE_SIZE)
      return fmt::format("{}:{}[{}]", r.mm, r.vma, (addr - r.start) / PAGE_SIZE);
  return fmt::format("{}:{:#x}", mm ? mm->name : "?", addr);
}

std::string PageNames::item(const rmap_item *item) const {
  if (!item->mm)
    return fmt::format("rmap_item#{} (freed)", item->id);
  return page(item->mm, item->address);
}

std::string PageNames::stable(const stable_node *node) {
  return fmt::format("stable#{} (pfn {}, node {})", node->id, node->kpfn, node->nid);
}

} // namespace ksmsim
