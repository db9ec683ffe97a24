// SPDX-License-Identifier: GPL-2.0-only
//
// The interface between the one simulated MMU (model/mm) and a port of
// mm/ksm.c: what the rest of mm calls (include/linux/ksm.h's hooks), what
// ksmd runs, the sysfs files, and the few counters the runner reads. Each
// port (model/ksm/v3.9/, model/ksm/v2.6.32/) implements it; make_ksm_profile
// picks one by the profile's version. Code that reads a port's own objects
// (dumps, the invariant checker, `ksmsim step`) downcasts, and only where
// it is specific to that version.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/mm/mm_types.h"

namespace ksmsim {

class Kernel;
struct KernelProfile;

class KsmProfile {
public:
  virtual ~KsmProfile() = default;

  // The version the port is of: "v3.9", "v2.6.32".
  virtual std::string_view version() const = 0;

  // ---- entry points from the rest of mm ----
  virtual int ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                          std::uint64_t *vm_flags) = 0;
  virtual int __ksm_enter(mm_struct *mm) = 0;
  virtual void __ksm_exit(mm_struct *mm) = 0;
  virtual int ksm_fork(mm_struct *mm, mm_struct *oldmm) = 0; // include/linux/ksm.h
  virtual void ksm_exit(mm_struct *mm) = 0;                  // include/linux/ksm.h
  // do_swap_page's hook; a kernel without it returns p.
  virtual page *ksm_might_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) = 0;
  virtual int try_to_unmap_ksm(page *p, unsigned flags) = 0;
  virtual int
  rmap_walk_ksm(page *p,
                const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) = 0;
  virtual void ksm_migrate_page(page *newpage, page *oldpage) = 0;

  // ---- hooks of later kernels (6.x include/linux/ksm.h, kernel/sys.c) ----
  // Each default is what a kernel without the hook does, so that the ports
  // of 3.9 and 2.6.32 need not know of them.
  //
  // prctl(PR_SET_MEMORY_MERGE, arg) / prctl(PR_GET_MEMORY_MERGE): kernel/sys.c
  // (6.4+) checks the unused args, takes mmap_lock for write and calls
  // ksm_enable_merge_any / ksm_disable_merge_any, or reads MMF_VM_MERGE_ANY.
  // The value prctl returns, or -errno. Default: a kernel before 6.4 has no
  // such option, and prctl's switch ends in `default: error = -EINVAL`.
  virtual long prctl_memory_merge(mm_struct *mm, int option, unsigned long arg) {
    (void)mm, (void)option, (void)arg;
    return -EINVAL;
  }
  // ksm_add_vma: mmap calls it on a vma it has just created (6.x
  // __mmap_new_vma), so that an mm with MMF_VM_MERGE_ANY gets VM_MERGEABLE
  // on its new vmas. Default: nothing.
  virtual void ksm_add_vma(vm_area_struct *vma) { (void)vma; }
  // ksm_might_unmap_zero_page (6.x include/linux/ksm.h): a zero-pfn pte is
  // zapped (zap_present_ptes) or replaced by a copy (wp_page_copy); a KSM
  // zero pte (is_ksm_zero_pte) drops ksm_zero_pages and
  // mm->ksm_zero_pages. Default: nothing (no kernel before 6.5 counts them).
  virtual void ksm_might_unmap_zero_page(mm_struct *mm, pte_t pte) { (void)mm, (void)pte; }
  // A per-process figure by name: /proc/PID/ksm_stat's ksm_rmap_items,
  // ksm_zero_pages, ksm_merging_pages, ksm_process_profit (6.x fs/proc/base.c),
  // and ksmsim's `merged` (rmap_items of the mm in the stable tree); false if
  // this kernel has no such figure. Default: ksm_rmap_items and merged from
  // slot_figures() (what `expect: mm:` has always read), nothing else.
  virtual bool mm_stat(const mm_struct *mm, std::string_view name, std::int64_t *value) const;
  // Does mm_stat know the name (for any mm)? An `expect: mm:` naming a
  // figure the profile lacks is a defect of the file (exit 2).
  virtual bool has_mm_stat(std::string_view name) const;

  // ---- ksmd (ksm_scan_thread) ----
  virtual void ksm_do_scan(unsigned int scan_npages) = 0;
  virtual bool ksmd_should_run() const = 0;
  virtual unsigned int thread_pages_to_scan() const = 0;
  virtual unsigned int thread_sleep_millisecs() const = 0;
  // ksm_thread_mutex: held by ksmd while it scans, and by the stores that take it.
  virtual void mutex_lock() = 0;
  virtual void mutex_unlock() = 0;

  // ---- /sys/kernel/mm/ksm ----
  // Reads a sysfs file's value by name; false if there is no such file.
  virtual bool sysfs_show(const std::string &name, std::uint64_t *value) const = 0;
  // A store by file name: bytes written or -errno (-ENOENT for no such file).
  virtual long sysfs_store(const std::string &name, const std::string &buf) = 0;
  // Every file the kernel's ksm_attrs lists, in its order.
  virtual const std::vector<std::string> &sysfs_files() const = 0;
  bool has_sysfs_file(const std::string &name) const;

  // ---- what the runner reads ----
  // ksm_scan.seqnr: the full scans completed (`wait: {full_scans: N}`).
  virtual std::uint64_t scan_seqnr() const = 0;
  // Pages ksmd has scanned (modern kernels' pages_scanned; no file in these kernels).
  virtual unsigned long pages_scanned() const = 0;
  // rmap_items allocated (v3.9's ksm_rmap_items; counted in the older port).
  virtual unsigned long rmap_items() const = 0;
  // A neutral view of the port's state, for the timeline, /proc/PID/ksm_stat
  // figures and the counters of a dump: per mm_slot, in ksm_mm_head's list
  // order (a walk bounded for a corrupt list), its rmap_items and how many
  // of them are in the stable tree.
  struct SlotFigures {
    const mm_struct *mm = nullptr;
    std::uint64_t rmap_items = 0, merged = 0;
  };
  virtual std::vector<SlotFigures> slot_figures() const = 0;
  // Nodes of the current stable tree(s); stable_nodes on migrate_nodes (v3.9).
  virtual std::uint64_t stable_tree_nodes() const = 0;
  virtual std::uint64_t migrate_list_nodes() const { return 0; }
  // Not the kernel's: forget what the simulator's shortcuts remembered
  // (Kernel::mm_epoch wrapped).
  virtual void forget_seen() {}
  // What the port has done so far, for the cost model (sim/cost/), or null
  // where the port does not count (v2.6.32: a cost model prices nothing there).
  virtual struct KsmOps *operation_counts() { return nullptr; }

  // Set when ksmd should be woken (wake_up_interruptible(&ksm_thread_wait)).
  bool wake_pending = false;
  bool ksm_thread_mutex_held = false;
  // Called after each page ksmd scans (--check=page); may be empty.
  std::function<void()> after_page_scanned;
  // ksmd's CPU time so far in ns (task_sched_runtime), for 6.x's advisor:
  // set by the engine when a cost model prices the batches (sim/cost/);
  // empty otherwise.
  std::function<std::uint64_t()> ksmd_runtime_ns;

  // Not the kernel's: how many times the port has been entered through an
  // entry point that may change its state. Every port's override of an
  // entry point above (the hooks from mm, ksmd's scan, sysfs_store and
  // forget_seen) calls entered() first, with two exceptions.
  // __ksm_enter and ksm_madvise's MADV_MERGEABLE do not call it: they only
  // add an mm_slot with no rmap_items, which no KSM check can find wrong.
  // Two of v6.15's that mm calls all the time and that mostly do nothing
  // (ksm_add_vma, ksm_might_unmap_zero_page) call it only where they change
  // something. tests/test_ksm_entries.cpp calls each on each profile.
  // The invariant checker's KSM checks read only the port's own objects
  // and the KSM counters in mm_struct (which only the port and a fork,
  // which calls ksm_fork, write), so while this count stands still they
  // find what they found last: --check=step skips them then
  // (InvariantChecker::check_touched).
  std::uint64_t entries() const { return entries_; }

protected:
  void entered() { ++entries_; }

private:
  std::uint64_t entries_ = 0;
};

// The port for profile.version ("v3.9" or "v2.6.32"); std::invalid_argument
// for any other.
std::unique_ptr<KsmProfile> make_ksm_profile(Kernel &k, const KernelProfile &profile);

// Every kernel version there is a port of, the default first.
const std::vector<std::string> &ksm_versions();
// One line on a version, for --list-kernels.
std::string ksm_version_description(const std::string &version);

} // namespace ksmsim
