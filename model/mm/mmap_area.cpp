// SPDX-License-Identifier: GPL-2.0-only
//
// mmap and munmap of private anonymous memory, as x86-64 3.9 lays out an
// address space: arch_pick_mmap_layout / mmap_base (arch/x86/mm/mmap.c),
// arch_get_unmapped_area_topdown (arch/x86/kernel/sys_x86_64.c) with
// unmapped_area_topdown, get_unmapped_area / mmap_region / do_munmap
// (mm/mmap.c). A process here has no text, heap, stack or libraries: its
// mmaps are its only vmas.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
// The default RLIMIT_STACK (8 MiB, include/uapi/asm-generic/resource.h _STK_LIM).
constexpr std::uint64_t RLIMIT_STACK_CUR = 8 * 1024 * 1024;
// arch/x86/mm/mmap.c: MIN_GAP is 128 MiB + stack_maxrandom_size(), which is
// 0 without PF_RANDOMIZE (the simulation never randomises); MAX_GAP TASK_SIZE/6*5.
constexpr std::uint64_t MIN_GAP = 128 * 1024 * 1024;
constexpr std::uint64_t MAX_GAP = TASK_SIZE / 6 * 5;

constexpr std::uint64_t PAGE_ALIGN(std::uint64_t a) {
  return (a + PAGE_SIZE - 1) & PAGE_MASK;
}

// mmap_base: the top of the mmap area, just below the stack's gap.
// 8 MiB < MIN_GAP, so gap = 128 MiB, and mmap_rnd() is 0:
// PAGE_ALIGN(0x7ffffffff000 - 0x8000000) = 0x7ffff7fff000.
constexpr std::uint64_t mmap_base() {
  std::uint64_t gap = RLIMIT_STACK_CUR;
  if (gap < MIN_GAP)
    gap = MIN_GAP;
  else if (gap > MAX_GAP)
    gap = MAX_GAP;
  return PAGE_ALIGN(TASK_SIZE - gap);
}
static_assert(mmap_base() == 0x7ffff7fff000);

bool IS_ERR_VALUE(std::uint64_t x) {
  return x >= static_cast<std::uint64_t>(-4095);
}
} // namespace

// arch_pick_mmap_layout: mmap_is_legacy() is false (no ADDR_COMPAT_LAYOUT,
// a finite stack rlimit, legacy_va_layout 0), so the layout is top-down.
void Kernel::arch_pick_mmap_layout(mm_struct *mm) {
  mm->mmap_base = mmap_base();
}

// unmapped_area_topdown (info: length len, low_limit PAGE_SIZE, high_limit
// mmap_base, no alignment): the highest gap below high_limit that holds
// len, and the top len bytes of it. The kernel finds it in the vma rbtree
// by rb_subtree_gap; this walks the vmas from the top (the same gap).
std::uint64_t Kernel::unmapped_area_topdown(mm_struct *mm, std::uint64_t length,
                                            std::uint64_t low_limit_in,
                                            std::uint64_t high_limit_in) {
  std::uint64_t gap_end = high_limit_in;
  if (gap_end < length)
    return static_cast<std::uint64_t>(-ENOMEM);
  const std::uint64_t high_limit = gap_end - length;
  if (low_limit_in > high_limit)
    return static_cast<std::uint64_t>(-ENOMEM);
  const std::uint64_t low_limit = low_limit_in + length;

  // The vmas in descending order, each with the end of the one below it.
  std::vector<vm_area_struct *> vmas;
  for (vm_area_struct *v = mm->mmap; v; v = v->vm_next)
    vmas.push_back(v);
  // Check the highest gap, which does not precede any vma.
  std::uint64_t gap_start = vmas.empty() ? 0 : vmas.back()->vm_end; // mm->highest_vm_end
  if (gap_start <= high_limit)
    goto found_highest;
  for (std::size_t i = vmas.size(); i-- > 0;) {
    gap_end = vmas[i]->vm_start;
    if (gap_end < low_limit)
      return static_cast<std::uint64_t>(-ENOMEM);
    gap_start = i ? vmas[i - 1]->vm_end : 0;
    if (gap_start <= high_limit && gap_end - gap_start >= length)
      goto found;
  }
  return static_cast<std::uint64_t>(-ENOMEM);

found:
  // Clip the gap with the original high_limit.
  if (gap_end > high_limit_in)
    gap_end = high_limit_in;
found_highest:
  gap_end -= length;
  return gap_end;
}

// arch_get_unmapped_area_topdown for an anonymous mmap without a hint or
// MAP_FIXED. Differs: when the top-down search fails the kernel retries
// bottom-up (arch_get_unmapped_area from TASK_UNMAPPED_BASE); a scenario
// cannot fill 128 TiB, so the simulation returns -ENOMEM.
std::uint64_t Kernel::arch_get_unmapped_area_topdown(mm_struct *mm, std::uint64_t len) {
  if (len > TASK_SIZE)
    return static_cast<std::uint64_t>(-ENOMEM);
  return unmapped_area_topdown(mm, len, PAGE_SIZE, mm->mmap_base);
}

// get_unmapped_area
std::uint64_t Kernel::get_unmapped_area(mm_struct *mm, std::uint64_t len) {
  if (len > TASK_SIZE)
    return static_cast<std::uint64_t>(-ENOMEM);
  std::uint64_t addr = arch_get_unmapped_area_topdown(mm, len);
  if (IS_ERR_VALUE(addr))
    return addr;
  if (addr > TASK_SIZE - len)
    return static_cast<std::uint64_t>(-ENOMEM);
  return addr;
}

// do_mmap_pgoff + mmap_region for MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ |
// PROT_WRITE: pgoff is addr >> PAGE_SHIFT (for anon_vma), and the area
// joins a neighbour when vma_merge allows it. A `node:` is mbind(MPOL_BIND)
// of the new range right after (mbind_range). Returns the address, or a
// negative errno as an unsigned value.
std::uint64_t Kernel::do_mmap_anon(mm_struct *mm, std::uint64_t npages, int node) {
  KFUNC();
  const std::uint64_t len = npages * PAGE_SIZE;
  const std::uint64_t addr = get_unmapped_area(mm, len);
  if (IS_ERR_VALUE(addr))
    return addr;
  const std::uint64_t vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
  const std::uint64_t pgoff = addr >> PAGE_SHIFT;

  // mmap_region: find_vma_links gives prev (the range is free).
  vm_area_struct *prev = nullptr;
  for (vm_area_struct *v = mm->mmap; v && v->vm_end <= addr; v = v->vm_next)
    prev = v;
  // Can we just expand an old mapping?
  if (!vma_merge(mm, prev, addr, addr + len, vm_flags, nullptr, pgoff, -1)) {
    vm_area_struct *vma = new_vma(mm);
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_flags = vm_flags;
    vma->vm_pgoff = pgoff;
    insert_vm_struct(mm, vma); // vma_link
    ksm.ksm_add_vma(vma);      // 6.x __mmap_new_vma: VM_MERGEABLE for MMF_VM_MERGE_ANY
  }
  if (node >= 0)
    mbind_range(mm, addr, addr + len, node);
  return addr;
}

// do_munmap: split the first and last vmas at the range's ends, then
// detach, unmap and free every vma inside.
int Kernel::do_munmap(mm_struct *mm, std::uint64_t start, std::uint64_t len) {
  KFUNC();
  if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
    return -EINVAL;
  len = PAGE_ALIGN(len);
  if (len == 0)
    return -EINVAL;
  vm_area_struct *prev;
  vm_area_struct *vma = find_vma_prev(mm, start, &prev);
  if (!vma)
    return 0;
  const std::uint64_t end = start + len;
  if (vma->vm_start >= end)
    return 0;
  if (start > vma->vm_start) {
    split_vma(mm, vma, start, 0);
    prev = vma;
  }
  vm_area_struct *last = find_vma(mm, end);
  if (last && end > last->vm_start)
    split_vma(mm, last, end, 1);
  vma = prev ? prev->vm_next : mm->mmap;

  std::vector<vm_area_struct *> doomed; // detach_vmas_to_be_unmapped
  for (; vma && vma->vm_start < end; vma = vma->vm_next)
    doomed.push_back(vma);
  for (vm_area_struct *v : doomed)
    unlink_vma(mm, v);
  for (vm_area_struct *v : doomed)
    zap_page_range(v, v->vm_start, v->vm_end); // unmap_region: unmap_vmas
  for (vm_area_struct *v : doomed)
    unlink_anon_vmas(v); // free_pgtables
  return 0;
}

} // namespace ksmsim
