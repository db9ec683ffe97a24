// SPDX-License-Identifier: GPL-2.0-only
//
// prctl(2) (kernel/sys.c) for the options the simulation has: 6.4's
// PR_SET_MEMORY_MERGE and PR_GET_MEMORY_MERGE. What they do is the KSM
// port's (KsmProfile::prctl_memory_merge): a kernel without them returns
// -EINVAL, as prctl does for any option it does not know.
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

} // namespace ksmsim
