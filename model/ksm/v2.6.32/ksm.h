// SPDX-License-Identifier: GPL-2.0-only
//
// A port of mm/ksm.c as first merged during 2.6.32 development (the seed,
// /work/shared/seeds/002_ksm.c-code-only.txt; not the 2.6.32 release). Each
// member keeps the kernel function's name and control flow; ksm.c's
// file-static state is this object's. See docs/port-map-2.6.32.md.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "model/ksm/profile.h"
#include "model/ksm/v2.6.32/ksm_types.h"

namespace ksmsim::v2_6_32 {

constexpr unsigned int KSM_RUN_STOP = 0;
constexpr unsigned int KSM_RUN_MERGE = 1;
constexpr unsigned int KSM_RUN_UNMERGE = 2;

class Ksm final : public KsmProfile {
public:
  explicit Ksm(Kernel &k);
  ~Ksm() override;
  Ksm(const Ksm &) = delete;
  Ksm &operator=(const Ksm &) = delete;

  std::string_view version() const override { return "v2.6.32"; }
  // ---- entry points from the rest of mm ----
  int ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                  std::uint64_t *vm_flags) override;
  int __ksm_enter(mm_struct *mm) override;
  void __ksm_exit(mm_struct *mm) override;
  int ksm_fork(mm_struct *mm, mm_struct *oldmm) override; // include/linux/ksm.h
  void ksm_exit(mm_struct *mm) override;                  // include/linux/ksm.h
  // Not in this kernel (KSM pages are never swapped): the page itself.
  page *ksm_might_need_to_copy(page *p, vm_area_struct *, std::uint64_t) override { return p; }
  int try_to_unmap_ksm(page *p, unsigned flags) override;
  int rmap_walk_ksm(
      page *p,
      const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) override;
  void ksm_migrate_page(page *newpage, page *oldpage) override;

  // ---- ksmd ----
  void ksm_do_scan(unsigned int scan_npages) override;
  // ksm_scan_thread scans while ksm_run & KSM_RUN_MERGE (list empty or not).
  bool ksmd_should_run() const override { return ksm_run & KSM_RUN_MERGE; }
  unsigned int thread_pages_to_scan() const override { return ksm_thread_pages_to_scan; }
  unsigned int thread_sleep_millisecs() const override { return ksm_thread_sleep_millisecs; }
  void mutex_lock() override;
  void mutex_unlock() override;

  // ---- sysfs (ksm_sysfs.cpp) ----
  long sleep_millisecs_store(const std::string &buf);
  long pages_to_scan_store(const std::string &buf);
  long run_store(const std::string &buf);
  long max_kernel_pages_store(const std::string &buf);
  bool sysfs_show(const std::string &name, std::uint64_t *value) const override;
  long sysfs_store(const std::string &name, const std::string &buf) override;
  const std::vector<std::string> &sysfs_files() const override;

  std::uint64_t scan_seqnr() const override { return ksm_scan.seqnr; }
  unsigned long pages_scanned() const override { return pages_scanned_; }
  unsigned long rmap_items() const override { return nr_rmap_items_; }
  std::vector<SlotFigures> slot_figures() const override;
  std::uint64_t stable_tree_nodes() const override { return ksm_pages_shared; }

  // ---- state (read by the invariant checker and tests) ----
  rb_root root_stable_tree = RB_ROOT;
  rb_root root_unstable_tree = RB_ROOT;
  mm_slot ksm_mm_head;
  struct ksm_scan ksm_scan;
  unsigned long ksm_pages_shared = 0;  // the number of nodes in the stable tree
  unsigned long ksm_pages_sharing = 0; // the number of page slots sharing those nodes
  unsigned long ksm_max_kernel_pages = 0;
  // The seed gives these no initialiser: 0 until written.
  unsigned int ksm_thread_pages_to_scan = 0;
  unsigned int ksm_thread_sleep_millisecs = 0;
  unsigned int ksm_run = KSM_RUN_STOP;

  mm_slot *get_mm_slot(mm_struct *mm);
  static bool in_stable_tree(const rmap_item *item) { return item->address & STABLE_FLAG; }

private:
  Kernel &k;

  rmap_item *alloc_rmap_item();
  void free_rmap_item(rmap_item *item);
  mm_slot *alloc_mm_slot();
  void free_mm_slot(mm_slot *slot);
  void insert_to_mm_slots_hash(mm_struct *mm, mm_slot *slot);

  void break_ksm(vm_area_struct *vma, std::uint64_t addr);
  void __break_cow(mm_struct *mm, std::uint64_t addr);
  void break_cow(mm_struct *mm, std::uint64_t addr);
  page *get_mergeable_page(rmap_item *item);
  page *get_ksm_page(rmap_item *item);
  void remove_rmap_item_from_tree(rmap_item *item);
  void remove_all_slot_rmap_items(mm_slot *slot);
  void remove_trailing_rmap_items(mm_slot *slot, list_node *cur);
  void unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end);
  void unmerge_and_remove_all_rmap_items();
  void remove_mm_from_lists(mm_struct *mm);
  std::uint32_t calc_checksum(page *p);
  int memcmp_pages(page *a, page *b);
  bool pages_identical(page *a, page *b) { return memcmp_pages(a, b) == 0; }
  int write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte);
  int replace_page(vm_area_struct *vma, page *oldpage, page *newpage, pte_t orig_pte);
  int try_to_merge_one_page(vm_area_struct *vma, page *oldpage, page *newpage);
  int try_to_merge_two_pages(mm_struct *mm1, std::uint64_t addr1, page *page1, mm_struct *mm2,
                             std::uint64_t addr2, page *page2);
  int try_to_merge_with_ksm_page(mm_struct *mm1, std::uint64_t addr1, page *page1, page *kpage);
  rmap_item *stable_tree_search(page *p, page **page2, rmap_item *item);
  rmap_item *stable_tree_insert(page *p, rmap_item *item);
  rmap_item *unstable_tree_search_insert(page *p, page **page2, rmap_item *item);
  void stable_tree_append(rmap_item *item, rmap_item *tree_item);
  void cmp_and_merge_page(page *p, rmap_item *item);
  rmap_item *get_next_rmap_item(mm_slot *slot, list_node *cur, std::uint64_t addr);
  rmap_item *scan_get_next_rmap_item(page **pagep);
  void page_add_ksm_rmap(page *p); // include/linux/ksm.h

  // Freed rmap_items wait in a quarantine (as KASAN's) before reuse; freed
  // mm_slots are never reused.
  std::deque<rmap_item> rmap_items_;
  std::deque<rmap_item *> rmap_quarantine_;
  std::deque<std::unique_ptr<mm_slot>> mm_slots_;
  std::uint32_t next_rmap_id_ = 1, next_slot_id_ = 1;
  unsigned long nr_rmap_items_ = 0, pages_scanned_ = 0;
};

} // namespace ksmsim::v2_6_32
