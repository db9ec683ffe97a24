// SPDX-License-Identifier: GPL-2.0-only
//
// mm/mempolicy.c (3.9) for the two policies a scenario gives: the default
// (local allocation: MPOL_PREFERRED with MPOL_F_LOCAL) and MPOL_BIND to
// one node (`mmap: {node: N}`), kept as vm_area_struct::node.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

// alloc_pages_vma(GFP_HIGHUSER_MOVABLE, 0, vma, addr, numa_node_id()):
// policy_zonelist gives the local node's zonelist for both policies, and
// policy_nodemask restricts MPOL_BIND to its node; the default policy may
// fall back to every node in zonelist order. Differs: numa_node_id() is the
// mm's node (spawned processes run on node 0), also for a fault ksmd takes
// (break_cow), where the kernel uses the node of ksmd's CPU.
page *Kernel::alloc_page_vma(vm_area_struct *vma, std::uint64_t address) {
  const int local = vma->vm_mm->node;
  return __alloc_pages_nodemask(local, vma->node);
}

// mbind_range: give [start, end) the policy (MPOL_BIND to node), merging
// with neighbours of that policy (vma_merge) or splitting vmas at the
// range's ends (split_vma), then vma_replace_policy.
int Kernel::mbind_range(mm_struct *mm, std::uint64_t start, std::uint64_t end, int node) {
  KFUNC();
  vm_area_struct *vma = find_vma(mm, start);
  if (!vma || vma->vm_start > start)
    return -EFAULT;
  vm_area_struct *prev = vma_prev(mm, vma);
  if (start > vma->vm_start)
    prev = vma;
  vm_area_struct *next;
  for (; vma && vma->vm_start < end; prev = vma, vma = next) {
    next = vma->vm_next;
    const std::uint64_t vmstart = std::max(start, vma->vm_start);
    const std::uint64_t vmend = std::min(end, vma->vm_end);
    if (vma->node == node) // mpol_equal
      continue;
    const std::uint64_t pgoff = vma->vm_pgoff + ((vmstart - vma->vm_start) >> PAGE_SHIFT);
    prev = vma_merge(mm, prev, vmstart, vmend, vma->vm_flags, vma->anon_vma, pgoff, node);
    if (prev) {
      vma = prev;
      next = vma->vm_next;
      if (vma->node == node)
        continue;
      goto replace; // vma_merge joined vma and vma->vm_next (case 8)
    }
    if (vma->vm_start != vmstart)
      split_vma(mm, vma, vmstart, 1);
    if (vma->vm_end != vmend)
      split_vma(mm, vma, vmend, 0);
  replace:
    vma->node = node; // vma_replace_policy
  }
  return 0;
}

} // namespace ksmsim
