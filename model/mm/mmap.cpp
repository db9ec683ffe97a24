// SPDX-License-Identifier: GPL-2.0-only
//
// Process address spaces: mm_struct lifetime (kernel/fork.c's dup_mmap and
// mmput), vmas (mm/mmap.c: mmap, munmap, split_vma) and madvise. Adjacent
// vmas are never merged (vma_merge): each mmap leaves a one-page gap.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

mm_struct *Kernel::mm_alloc(const std::string &name, int pid) {
  mm_store_.push_back(std::make_unique<mm_struct>());
  mm_struct *mm = mm_store_.back().get();
  mm->name = name;
  mm->pid = pid;
  mm->id = next_mm_id_++;
  mm_list_.push_back(mm);
  return mm;
}

void Kernel::mmdrop(mm_struct *mm) {
  if (mm->freed)
    use_after_free(__func__, fmt::format("mm_struct {}", mm->name));
  if (--mm->mm_count == 0)
    mm->freed = true; // __mmdrop: kept, poisoned
}

void Kernel::down_read(mm_struct *mm) {
  if (mm->mmap_sem_writer)
    lock_conflict(__func__, fmt::format("mmap_sem of {} (held for write)", mm->name));
  mm->mmap_sem_readers++;
}
void Kernel::up_read(mm_struct *mm) {
  VM_BUG_ON(mm->mmap_sem_readers <= 0);
  mm->mmap_sem_readers--;
}
void Kernel::down_write(mm_struct *mm) {
  if (mm->mmap_sem_writer || mm->mmap_sem_readers)
    lock_conflict(__func__, fmt::format("mmap_sem of {} (held for {})", mm->name,
                                        mm->mmap_sem_writer ? "write" : "read"));
  mm->mmap_sem_writer = true;
}
void Kernel::up_write(mm_struct *mm) {
  VM_BUG_ON(!mm->mmap_sem_writer);
  mm->mmap_sem_writer = false;
}

vm_area_struct *Kernel::find_vma(mm_struct *mm, std::uint64_t addr) {
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    if (addr < vma->vm_end)
      return vma;
  return nullptr;
}

vm_area_struct *Kernel::new_vma(mm_struct *mm) {
  vma_store_.push_back(std::make_unique<vm_area_struct>());
  vm_area_struct *vma = vma_store_.back().get();
  vma->vm_mm = mm;
  vma->id = next_vma_id_++;
  return vma;
}

void Kernel::insert_vm_struct(mm_struct *mm, vm_area_struct *vma) {
  vm_area_struct **pp = &mm->mmap;
  while (*pp && (*pp)->vm_start < vma->vm_start)
    pp = &(*pp)->vm_next;
  vma->vm_next = *pp;
  *pp = vma;
}

void Kernel::unlink_vma(mm_struct *mm, vm_area_struct *vma) {
  for (vm_area_struct **pp = &mm->mmap; *pp; pp = &(*pp)->vm_next) {
    if (*pp == vma) {
      *pp = vma->vm_next;
      vma->vm_next = nullptr;
      return;
    }
  }
}

std::uint64_t Kernel::do_mmap_anon(mm_struct *mm, std::uint64_t npages, int node) {
  vm_area_struct *vma = new_vma(mm);
  vma->vm_start = mm->next_mmap_base;
  vma->vm_end = vma->vm_start + npages * PAGE_SIZE;
  vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
  vma->vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
  vma->node = node;
  mm->next_mmap_base = vma->vm_end + PAGE_SIZE;
  insert_vm_struct(mm, vma);
  return vma->vm_start;
}

// __split_vma: vma keeps [vm_start, addr), a new vma takes [addr, vm_end).
int Kernel::split_vma(mm_struct *mm, vm_area_struct *vma, std::uint64_t addr) {
  vm_area_struct *tail = new_vma(mm);
  tail->vm_start = addr;
  tail->vm_end = vma->vm_end;
  tail->vm_flags = vma->vm_flags;
  tail->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
  tail->node = vma->node;
  tail->anon_vma = vma->anon_vma;
  for (struct anon_vma *av : vma->anon_vma_chain) { // anon_vma_clone
    tail->anon_vma_chain.push_back(av);
    av->vmas.push_back(tail);
  }
  vma->vm_end = addr;
  insert_vm_struct(mm, tail);
  return 0;
}

int Kernel::do_munmap(mm_struct *mm, std::uint64_t start, std::uint64_t len) {
  KFUNC();
  std::uint64_t end = start + len;
  vm_area_struct *vma = find_vma(mm, start);
  if (!vma || vma->vm_start >= end)
    return 0;
  if (start > vma->vm_start) {
    split_vma(mm, vma, start);
    vma = vma->vm_next;
  }
  std::vector<vm_area_struct *> doomed;
  for (; vma && vma->vm_start < end; vma = vma->vm_next) {
    if (vma->vm_end > end)
      split_vma(mm, vma, end);
    doomed.push_back(vma);
  }
  for (vm_area_struct *v : doomed) {
    unlink_vma(mm, v);
    zap_page_range(v, v->vm_start, v->vm_end); // unmap_region
    unlink_anon_vmas(v);                       // free_pgtables
  }
  return 0;
}

int Kernel::sys_madvise(mm_struct *mm, std::uint64_t start, std::uint64_t len, int advice) {
  KFUNC();
  if (start & ~PAGE_MASK)
    return -EINVAL;
  len = (len + PAGE_SIZE - 1) & PAGE_MASK;
  std::uint64_t end = start + len;
  if (end < start)
    return -EINVAL;
  if (end == start)
    return 0;
  int unmapped_error = 0;
  bool write = advice == MADV_MERGEABLE || advice == MADV_UNMERGEABLE;
  if (write)
    down_write(mm);
  else
    down_read(mm);
  int error = 0;
  vm_area_struct *vma = find_vma(mm, start);
  for (;;) {
    if (!vma) {
      error = -ENOMEM;
      break;
    }
    if (start < vma->vm_start) { // a hole: keep going, report -ENOMEM
      unmapped_error = -ENOMEM;
      start = vma->vm_start;
      if (start >= end)
        break;
    }
    std::uint64_t tmp = std::min(vma->vm_end, end);
    if (advice == MADV_MERGEABLE || advice == MADV_UNMERGEABLE) {
      // madvise_behavior
      std::uint64_t new_flags = vma->vm_flags;
      error = ksm.ksm_madvise(vma, start, tmp, advice, &new_flags);
      if (error)
        break;
      if (new_flags != vma->vm_flags) {
        if (start != vma->vm_start)
          split_vma(mm, vma, start), vma = vma->vm_next;
        if (tmp != vma->vm_end)
          split_vma(mm, vma, tmp);
        vma->vm_flags = new_flags;
      }
    } else if (advice == MADV_DONTNEED) {
      if (vma->vm_flags & VM_LOCKED) {
        error = -EINVAL;
        break;
      }
      zap_page_range(vma, start, tmp);
    } else if (advice == MADV_PAGEOUT) {
      // Like the modern MADV_PAGEOUT: pages mapped only here are reclaimed.
      for (std::uint64_t a = start; a < tmp; a += PAGE_SIZE) {
        page *p = follow_page(vma, a, 0);
        if (p && !(p->flags & PG_zero) && PageAnon(p) && page_mapcount(p) == 1)
          shrink_page(p, false);
      }
    }
    start = tmp;
    if (start >= end)
      break;
    vma = vma->vm_next;
  }
  if (write)
    up_write(mm);
  else
    up_read(mm);
  return error ? error : unmapped_error;
}

mm_struct *Kernel::do_fork(mm_struct *oldmm, const std::string &child_name, int child_pid) {
  KFUNC();
  mm_struct *mm = mm_alloc(child_name, child_pid);
  mm->node = oldmm->node;
  mm->next_mmap_base = oldmm->next_mmap_base;
  // dup_mmap
  down_write(oldmm);
  down_write(mm);
  int retval = ksm.ksm_fork(mm, oldmm);
  if (retval == 0) {
    for (vm_area_struct *mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
      vm_area_struct *tmp = new_vma(mm);
      tmp->vm_start = mpnt->vm_start;
      tmp->vm_end = mpnt->vm_end;
      tmp->vm_flags = mpnt->vm_flags & ~std::uint64_t(VM_LOCKED);
      tmp->vm_pgoff = mpnt->vm_pgoff;
      tmp->node = mpnt->node;
      anon_vma_fork(tmp, mpnt);
      insert_vm_struct(mm, tmp);
      copy_page_range(mm, oldmm, tmp, mpnt);
      cond_resched("dup_mmap:next_vma");
    }
  }
  up_write(mm);
  up_write(oldmm);
  trace_fmt("ksmsim_fork", "parent {} child {} pid {}", oldmm->name, child_name, child_pid);
  return mm;
}

void Kernel::exit_mmap(mm_struct *mm) {
  KFUNC();
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    zap_page_range(vma, vma->vm_start, vma->vm_end); // unmap_vmas
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    unlink_anon_vmas(vma); // free_pgtables
  mm->pgtables.clear();
  mm->pt_cache_key = ~std::uint64_t(0);
  mm->pt_cache = nullptr;
  // remove_vma: the kernel leaves mm->mmap dangling (nothing may look at it
  // once mm_users is 0); the simulation clears it.
  mm->mmap = nullptr;
}

void Kernel::mmput(mm_struct *mm) {
  KFUNC();
  if (--mm->mm_users != 0)
    return;
  trace_fmt("ksmsim_exit", "mm {}", mm->name);
  ksm.ksm_exit(mm);
  exit_mmap(mm);
  std::erase(mm_list_, mm);
  mmdrop(mm);
}

} // namespace ksmsim
