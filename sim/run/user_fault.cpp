// SPDX-License-Identifier: GPL-2.0-only
#include "sim/run/user_fault.h"

#include <fmt/format.h>

namespace ksmsim {

namespace {
// The access goes through without a fault: a present pte, writable for a write.
bool pte_allows(const pte_t *ptep, bool write) {
  return ptep && pte_present(*ptep) && (!write || pte_write(*ptep));
}
} // namespace

UserFault user_fault(Kernel &k, mm_struct *mm, std::uint64_t addr, bool write) {
  UserFault f;
  for (;;) {
    k.down_read(mm);
    vm_area_struct *vma = k.find_vma(mm, addr);
    if (!vma || vma->vm_start > addr || (write && !(vma->vm_flags & VM_WRITE))) {
      k.up_read(mm);
      f.status = !vma || vma->vm_start > addr ? UserFaultStatus::not_mapped
                                              : UserFaultStatus::not_writable;
      return f;
    }
    pte_t *ptep = k.pte_offset(mm, addr, false);
    if (pte_allows(ptep, write)) {
      // The instruction completes: the page the pte maps (for a write never
      // the zero page, whose pte is never writable).
      f.accessed = k.pfn_to_page(pte_pfn(*ptep));
      k.up_read(mm);
      return f;
    }
    if (f.faults == kMaxFaultRetries + 1) {
      k.up_read(mm);
      detector_report("__do_page_fault", "fault-no-progress",
                      fmt::format("ksmsim: fault made no progress: {:#x} ({}) still not mapped "
                                  "after {} retries",
                                  addr, write ? "write" : "read", kMaxFaultRetries));
      f.status = UserFaultStatus::no_progress;
      return f;
    }
    f.faults++;
    f.ret = k.handle_mm_fault(mm, vma, addr, write ? unsigned(FAULT_FLAG_WRITE) : 0u);
    k.up_read(mm);
    if (f.ret & (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV))
      return f; // mm_fault_error: the access fails
    // handle_mm_fault returned: the CPU re-executes the instruction.
  }
}

} // namespace ksmsim
