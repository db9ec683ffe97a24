// SPDX-License-Identifier: GPL-2.0-only
//
// Process address spaces: mm_struct lifetime (kernel/fork.c's dup_mmap and
// mmput, exit_mmap) and mmap_sem. The vmas are in vma.cpp, mmap and munmap
// in mmap_area.cpp.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

mm_struct *Kernel::mm_alloc(const std::string &name, int pid) {
  mm_store_.push_back(std::make_unique<mm_struct>());
  mm_struct *mm = mm_store_.back().get();
  mm->name = name;
  mm->pid = pid;
  mm->id = next_mm_id_++;
  arch_pick_mmap_layout(mm);
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

mm_struct *Kernel::do_fork(mm_struct *oldmm, const std::string &child_name, int child_pid) {
  KFUNC();
  mm_struct *mm = mm_alloc(child_name, child_pid);
  mm->node = oldmm->node;
  mm->mmap_base = oldmm->mmap_base; // dup_mm copies the mm_struct
  // ... counters and all (6.x: the KSM figures; a ksm_fork that enters the
  // child resets them only since 2025's "fix incorrect KSM counter handling
  // in mm_struct during fork"), then mm_init keeps of its flags only
  // mmf_init_flags(oldmm->flags): MMF_VM_MERGE_ANY is inherited (6.7+),
  // MMF_VM_MERGEABLE is not.
  mm->ksm_merging_pages = oldmm->ksm_merging_pages;
  mm->ksm_rmap_items = oldmm->ksm_rmap_items;
  mm->ksm_zero_pages = oldmm->ksm_zero_pages;
  mm->flags = oldmm->flags & MMF_INIT_MASK;
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
