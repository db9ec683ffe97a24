// SPDX-License-Identifier: GPL-2.0-only
#include "model/mm/proc_ksm_stat.h"

namespace ksmsim {

const std::vector<std::string> &proc_pid_ksm_stat_names() {
  static const std::vector<std::string> names = {"ksm_rmap_items",    "ksm_zero_pages",
                                                 "ksm_merging_pages", "ksm_process_profit",
                                                 "ksm_merge_any",     "ksm_mergeable"};
  return names;
}

bool ksm_process_mergeable(const mm_struct *mm) {
  for (const vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    if (vma->vm_flags & VM_MERGEABLE)
      return true;
  return false;
}

bool proc_pid_ksm_stat(const mm_struct *mm, std::string_view name, std::size_t rmap_item_size,
                       std::int64_t *value) {
  if (name == "ksm_rmap_items") // %lu
    *value = static_cast<std::int64_t>(mm->ksm_rmap_items);
  else if (name == "ksm_zero_pages") // %ld of mm_ksm_zero_pages(mm)
    *value = mm->ksm_zero_pages;
  else if (name == "ksm_merging_pages") // %lu
    *value = static_cast<std::int64_t>(mm->ksm_merging_pages);
  else if (name == "ksm_process_profit") // %ld: long arithmetic on unsigned longs
    *value = static_cast<std::int64_t>(
        (mm->ksm_merging_pages + static_cast<std::uint64_t>(mm->ksm_zero_pages)) * PAGE_SIZE -
        mm->ksm_rmap_items * rmap_item_size);
  else if (name == "ksm_merge_any")
    *value = (mm->flags & MMF_VM_MERGE_ANY) ? 1 : 0;
  else if (name == "ksm_mergeable")
    *value = ksm_process_mergeable(mm) ? 1 : 0;
  else
    return false;
  return true;
}

} // namespace ksmsim
