// SPDX-License-Identifier: GPL-2.0-only
//
// mm/madvise.c (3.9): sys_madvise walks the vmas of [start, end),
// madvise_vma hands each piece to madvise_behavior (flag changes: KSM's
// MADV_MERGEABLE / MADV_UNMERGEABLE) or madvise_dontneed; MADV_PAGEOUT is
// the modern advice, modelled for scenarios that swap.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
// madvise_need_mmap_write
bool madvise_need_mmap_write(int behavior) {
  switch (behavior) {
  case MADV_REMOVE:
  case MADV_WILLNEED:
  case MADV_DONTNEED:
  case MADV_PAGEOUT: // modern: takes mmap_sem for read
    return false;
  default:
    return true;
  }
}
} // namespace

// madvise_behavior: ksm_madvise decides the new flags; the range joins a
// neighbour with those flags (vma_merge), else the vma is split where the
// range covers part of it. Any -ENOMEM (from ksm_madvise's
// unmerge_ksm_pages -> break_ksm on VM_FAULT_OOM, or from split_vma) is
// returned as -EAGAIN ("a kernel resource was temporarily unavailable").
long Kernel::madvise_behavior(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                              std::uint64_t end, int behavior) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  int error = 0;
  std::uint64_t pgoff;
  std::uint64_t new_flags = vma->vm_flags;

  switch (behavior) {
  case MADV_MERGEABLE:
  case MADV_UNMERGEABLE:
    error = ksm.ksm_madvise(vma, start, end, behavior, &new_flags);
    if (error)
      goto out;
    break;
  }

  if (new_flags == vma->vm_flags) {
    *prev = vma;
    goto out;
  }

  pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
  *prev = vma_merge(mm, *prev, start, end, new_flags, vma->anon_vma, pgoff, vma->node);
  if (*prev) {
    vma = *prev;
    goto success;
  }

  *prev = vma;
  if (start != vma->vm_start) {
    error = split_vma(mm, vma, start, 1);
    if (error)
      goto out;
  }
  if (end != vma->vm_end) {
    error = split_vma(mm, vma, end, 0);
    if (error)
      goto out;
  }

success:
  // vm_flags is protected by the mmap_sem held in write mode.
  vma->vm_flags = new_flags;

out:
  if (error == -ENOMEM)
    error = -EAGAIN;
  return error;
}

// madvise_dontneed
long Kernel::madvise_dontneed(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                              std::uint64_t end) {
  *prev = vma;
  if (vma->vm_flags & (VM_LOCKED | VM_HUGETLB | VM_PFNMAP))
    return -EINVAL;
  zap_page_range(vma, start, end);
  return 0;
}

// Like the modern MADV_PAGEOUT: pages mapped only here are reclaimed.
long Kernel::madvise_pageout(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                             std::uint64_t end) {
  *prev = vma;
  for (std::uint64_t a = start; a < end; a += PAGE_SIZE) {
    page *p = follow_page(vma, a, 0);
    if (p && !(p->flags & PG_zero) && PageAnon(p) && page_mapcount(p) == 1)
      shrink_page(p, false);
  }
  return 0;
}

long Kernel::madvise_vma(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                         std::uint64_t end, int behavior) {
  switch (behavior) {
  case MADV_DONTNEED:
    return madvise_dontneed(vma, prev, start, end);
  case MADV_PAGEOUT:
    return madvise_pageout(vma, prev, start, end);
  default:
    return madvise_behavior(vma, prev, start, end, behavior);
  }
}

// SYSCALL_DEFINE3(madvise): an unmapped hole in [start, end) is skipped and
// reported as -ENOMEM at the end (unmapped_error); an error of a vma ends
// the walk with that error.
int Kernel::sys_madvise(mm_struct *mm, std::uint64_t start, std::uint64_t len_in, int behavior) {
  KFUNC();
  int unmapped_error = 0;
  int error = -EINVAL;
  const bool write = madvise_need_mmap_write(behavior);
  std::uint64_t len, end;
  vm_area_struct *vma, *prev;
  if (write)
    down_write(mm);
  else
    down_read(mm);

  if (start & ~PAGE_MASK)
    goto out;
  len = (len_in + ~PAGE_MASK) & PAGE_MASK;
  if (len_in && !len) // rounded up from a small negative to zero
    goto out;
  end = start + len;
  if (end < start)
    goto out;
  error = 0;
  if (end == start)
    goto out;

  vma = find_vma_prev(mm, start, &prev);
  if (vma && start > vma->vm_start)
    prev = vma;
  for (;;) {
    error = -ENOMEM;
    if (!vma)
      goto out;
    if (start < vma->vm_start) {
      unmapped_error = -ENOMEM;
      start = vma->vm_start;
      if (start >= end)
        goto out;
    }
    std::uint64_t tmp = vma->vm_end;
    if (end < tmp)
      tmp = end;
    error = static_cast<int>(madvise_vma(vma, &prev, start, tmp, behavior));
    if (error)
      goto out;
    start = tmp;
    if (prev && start < prev->vm_end)
      start = prev->vm_end;
    error = unmapped_error;
    if (start >= end)
      goto out;
    vma = prev ? prev->vm_next : find_vma(mm, start);
  }
out:
  if (write)
    up_write(mm);
  else
    up_read(mm);
  return error;
}

} // namespace ksmsim
