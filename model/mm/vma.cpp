// SPDX-License-Identifier: GPL-2.0-only
//
// The vma list of an mm and the mm/mmap.c (3.9) operations on it:
// find_vma, find_vma_prev, vma_adjust, vma_merge and __split_vma. The
// kernel keeps the vmas in an rbtree and a list; the simulation keeps the
// sorted list only (walked where the kernel walks the tree: same results).
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

vm_area_struct *Kernel::find_vma(mm_struct *mm, std::uint64_t addr) {
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    if (addr < vma->vm_end)
      return vma;
  return nullptr;
}

// find_vma_prev: as find_vma, and the vma before it (or the last vma).
vm_area_struct *Kernel::find_vma_prev(mm_struct *mm, std::uint64_t addr, vm_area_struct **pprev) {
  vm_area_struct *prev = nullptr;
  vm_area_struct *vma = mm->mmap;
  for (; vma; prev = vma, vma = vma->vm_next)
    if (addr < vma->vm_end)
      break;
  *pprev = prev;
  return vma;
}

vm_area_struct *Kernel::vma_prev(mm_struct *mm, const vm_area_struct *vma) const {
  vm_area_struct *prev = nullptr;
  for (vm_area_struct *v = mm->mmap; v && v != vma; v = v->vm_next)
    prev = v;
  return prev;
}

vm_area_struct *Kernel::new_vma(mm_struct *mm) {
  vma_store_.push_back(std::make_unique<vm_area_struct>());
  vm_area_struct *vma = vma_store_.back().get();
  vma->vm_mm = mm;
  vma->id = next_vma_id_++;
  return vma;
}

// __insert_vm_struct / vma_link: into the address-ordered list.
void Kernel::insert_vm_struct(mm_struct *mm, vm_area_struct *vma) {
  vm_area_struct **pp = &mm->mmap;
  while (*pp && (*pp)->vm_start < vma->vm_start)
    pp = &(*pp)->vm_next;
  vma->vm_next = *pp;
  *pp = vma;
}

// __vma_unlink / detach_vmas_to_be_unmapped, one vma.
void Kernel::unlink_vma(mm_struct *mm, vm_area_struct *vma) {
  for (vm_area_struct **pp = &mm->mmap; *pp; pp = &(*pp)->vm_next) {
    if (*pp == vma) {
      *pp = vma->vm_next;
      vma->vm_next = nullptr;
      return;
    }
  }
}

// anon_vma_clone: dst is linked to every anon_vma src is linked to.
void Kernel::anon_vma_clone(vm_area_struct *dst, vm_area_struct *src) {
  for (struct anon_vma *av : src->anon_vma_chain) {
    dst->anon_vma_chain.push_back(av);
    av->vmas.push_back(dst);
  }
}

namespace {
constexpr std::uint64_t VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

// mpol_equal: both the default policy, or both bound to the same node.
bool mpol_equal(int a, int b) {
  return a == b;
}

// is_mergeable_vma (anonymous: no file, no vm_ops).
bool is_mergeable_vma(const vm_area_struct *vma, std::uint64_t vm_flags) {
  return !(vma->vm_flags ^ vm_flags);
}

// is_mergeable_anon_vma: the list_is_singular() test keeps vmas cloned from
// a parent (by fork) from merging.
bool is_mergeable_anon_vma(const struct anon_vma *anon_vma1, const struct anon_vma *anon_vma2,
                           const vm_area_struct *vma) {
  if ((!anon_vma1 || !anon_vma2) && (!vma || vma->anon_vma_chain.size() == 1))
    return true;
  return anon_vma1 == anon_vma2;
}

bool can_vma_merge_before(const vm_area_struct *vma, std::uint64_t vm_flags,
                          const struct anon_vma *anon_vma, std::uint64_t vm_pgoff) {
  return is_mergeable_vma(vma, vm_flags) && is_mergeable_anon_vma(anon_vma, vma->anon_vma, vma) &&
         vma->vm_pgoff == vm_pgoff;
}

bool can_vma_merge_after(const vm_area_struct *vma, std::uint64_t vm_flags,
                         const struct anon_vma *anon_vma, std::uint64_t vm_pgoff) {
  if (!is_mergeable_vma(vma, vm_flags) || !is_mergeable_anon_vma(anon_vma, vma->anon_vma, vma))
    return false;
  const std::uint64_t vm_pglen = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
  return vma->vm_pgoff + vm_pglen == vm_pgoff;
}
} // namespace

// vma_adjust: vma becomes [start, end) at pgoff; insert (a split's new
// vma) goes into the list; without insert, next may be swallowed whole
// (remove_next, twice for mprotect case 6) or have its boundary shifted
// (adjust_next), the expanding vma taking the shrinking one's anon_vma.
int Kernel::vma_adjust(vm_area_struct *vma, std::uint64_t start, std::uint64_t end,
                       std::uint64_t pgoff, vm_area_struct *insert) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  vm_area_struct *next = vma->vm_next;
  vm_area_struct *exporter = nullptr, *importer = nullptr;
  long adjust_next = 0;
  int remove_next = 0;

  if (next && !insert) {
    if (end >= next->vm_end) {
    again:
      remove_next = 1 + (end > next->vm_end);
      end = next->vm_end;
      exporter = next;
      importer = vma;
    } else if (end > next->vm_start) {
      adjust_next = static_cast<long>((end - next->vm_start) >> PAGE_SHIFT);
      exporter = next;
      importer = vma;
    } else if (end < vma->vm_end) {
      adjust_next = -static_cast<long>((vma->vm_end - end) >> PAGE_SHIFT);
      exporter = vma;
      importer = next;
    }
    // The expanding vma takes the shrinking one's anon_vma, to cover any
    // anon pages imported.
    if (exporter && exporter->anon_vma && !importer->anon_vma) {
      anon_vma_clone(importer, exporter);
      importer->anon_vma = exporter->anon_vma;
    }
  }

  vma->vm_start = start;
  vma->vm_end = end;
  vma->vm_pgoff = pgoff;
  if (adjust_next) {
    next->vm_start += static_cast<std::uint64_t>(adjust_next) << PAGE_SHIFT;
    next->vm_pgoff += static_cast<std::uint64_t>(adjust_next);
  }

  if (remove_next)
    unlink_vma(mm, next); // __vma_unlink
  else if (insert)
    insert_vm_struct(mm, insert); // __insert_vm_struct

  if (remove_next) {
    if (next->anon_vma) {
      // anon_vma_merge
      VM_BUG_ON(vma->anon_vma != next->anon_vma);
      unlink_anon_vmas(next);
    }
    // kmem_cache_free(vm_area_cachep, next): the simulation keeps it, unlinked.
    next = vma->vm_next;
    if (remove_next == 2)
      goto again;
  }
  return 0;
}

// vma_merge: can [addr, end) with these flags, anon_vma, pgoff and policy
// join prev (before it), next (after it), or both? Returns the vma that now
// covers it, or nullptr. The cases are those of mm/mmap.c's comment: 1-3
// for mmap (a hole), 4-8 for a change of flags on part or all of a vma.
vm_area_struct *Kernel::vma_merge(mm_struct *mm, vm_area_struct *prev, std::uint64_t addr,
                                  std::uint64_t end, std::uint64_t vm_flags,
                                  struct anon_vma *anon_vma, std::uint64_t pgoff, int policy) {
  KFUNC();
  const std::uint64_t pglen = (end - addr) >> PAGE_SHIFT;
  if (vm_flags & VM_SPECIAL)
    return nullptr;
  vm_area_struct *next = prev ? prev->vm_next : mm->mmap;
  vm_area_struct *area = next;
  if (next && next->vm_end == end) // cases 6, 7, 8
    next = next->vm_next;

  // Can it merge with the predecessor?
  if (prev && prev->vm_end == addr && mpol_equal(prev->node, policy) &&
      can_vma_merge_after(prev, vm_flags, anon_vma, pgoff)) {
    // OK, it can. Can we now merge in the successor as well?
    if (next && end == next->vm_start && mpol_equal(policy, next->node) &&
        can_vma_merge_before(next, vm_flags, anon_vma, pgoff + pglen) &&
        is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, nullptr)) {
      vma_adjust(prev, prev->vm_start, next->vm_end, prev->vm_pgoff, nullptr); // cases 1, 6
    } else {
      vma_adjust(prev, prev->vm_start, end, prev->vm_pgoff, nullptr); // cases 2, 5, 7
    }
    return prev;
  }

  // Can this new request be merged in front of next?
  if (next && end == next->vm_start && mpol_equal(policy, next->node) &&
      can_vma_merge_before(next, vm_flags, anon_vma, pgoff + pglen)) {
    if (prev && addr < prev->vm_end) // case 4
      vma_adjust(prev, prev->vm_start, addr, prev->vm_pgoff, nullptr);
    else // cases 3, 8
      vma_adjust(area, addr, next->vm_end, next->vm_pgoff - pglen, nullptr);
    return area;
  }
  return nullptr;
}

// __split_vma: a new vma takes [vm_start, addr) if new_below, else
// [addr, vm_end); vma keeps the rest. Both share the anon_vmas.
int Kernel::split_vma(mm_struct *mm, vm_area_struct *vma, std::uint64_t addr, int new_below) {
  KFUNC();
  vm_area_struct *n = new_vma(mm);
  n->vm_start = vma->vm_start;
  n->vm_end = vma->vm_end;
  n->vm_flags = vma->vm_flags;
  n->vm_pgoff = vma->vm_pgoff;
  n->node = vma->node; // vma_dup_policy
  n->anon_vma = vma->anon_vma;
  if (new_below) {
    n->vm_end = addr;
  } else {
    n->vm_start = addr;
    n->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
  }
  anon_vma_clone(n, vma);
  if (new_below)
    vma_adjust(vma, addr, vma->vm_end, vma->vm_pgoff + ((addr - n->vm_start) >> PAGE_SHIFT), n);
  else
    vma_adjust(vma, vma->vm_start, addr, vma->vm_pgoff, n);
  return 0;
}

} // namespace ksmsim
