// SPDX-License-Identifier: GPL-2.0-only
//
// One user access that may fault, as the CPU makes it (arch/x86/mm/fault.c
// __do_page_fault): mmap_sem for read, find_vma, handle_mm_fault. A fault
// that returns with nothing mapped (do_swap_page lost a race: its out_page
// and out_nomap paths return 0) is retried, as the CPU re-executes the
// instruction and faults again.
#pragma once

#include <cstdint>

#include "model/mm/kernel.h"

namespace ksmsim {

// Not the kernel's: the CPU would retry for ever. After this many faults
// that let the access through no further, the simulation gives up.
constexpr int kMaxFaultRetries = 1000;

enum class UserFaultStatus {
  done,         // the pte lets the access through, or the fault failed (ret)
  not_mapped,   // no vma at the address: SIGSEGV
  not_writable, // a write to a vma without VM_WRITE: SIGSEGV
  no_progress,  // kMaxFaultRetries faults and still no pte (detector report)
};

struct UserFault {
  UserFaultStatus status = UserFaultStatus::done;
  int ret = 0;              // the last handle_mm_fault result (VM_FAULT_*)
  page *accessed = nullptr; // what the access reads or writes (status done, no error bit)
  int faults = 0;           // how many times handle_mm_fault was called
};

UserFault user_fault(Kernel &k, mm_struct *mm, std::uint64_t addr, bool write);

} // namespace ksmsim
