// SPDX-License-Identifier: GPL-2.0-only
//
// prctl(2) (kernel/sys.c) for the options the simulation has: 6.4's
// PR_SET_MEMORY_MERGE and PR_GET_MEMORY_MERGE. Whether the kernel has them
// is the KSM port's (KsmProfile::prctl_memory_merge): a kernel without
// them returns -EINVAL, as prctl does for any option it does not know; a
// port that has them runs sys.c's cases with prctl_memory_merge_cases.
#include "model/mm/kernel.h"

namespace ksmsim {

long Kernel::sys_prctl(mm_struct *mm, int option, unsigned long arg2) {
  KFUNC();
  switch (option) {
  case PR_SET_MEMORY_MERGE:
  case PR_GET_MEMORY_MERGE:
    return ksm.prctl_memory_merge(mm, option, arg2);
  default:
    return -EINVAL;
  }
}

// kernel/sys.c (CONFIG_KSM): arg3..arg5 are always 0 here, so their
// -EINVAL checks pass; mmap_write_lock_killable cannot be interrupted (no
// signals are simulated).
long Kernel::prctl_memory_merge_cases(mm_struct *mm, int option, unsigned long arg2,
                                      const std::function<int(mm_struct *)> &enable_merge_any,
                                      const std::function<int(mm_struct *)> &disable_merge_any) {
  KFUNC();
  long error = 0;
  switch (option) {
  case PR_SET_MEMORY_MERGE:
    down_write(mm);
    if (arg2)
      error = enable_merge_any(mm);
    else
      error = disable_merge_any(mm);
    up_write(mm);
    break;
  case PR_GET_MEMORY_MERGE:
    if (arg2)
      return -EINVAL;
    error = (mm->flags & MMF_VM_MERGE_ANY) ? 1 : 0;
    break;
  default:
    return -EINVAL;
  }
  return error;
}

} // namespace ksmsim
