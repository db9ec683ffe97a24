// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/points.h"

#include <algorithm>

namespace ksmsim {

const std::vector<PreemptionPoint> &preemption_points() {
  static const std::vector<PreemptionPoint> points = {
      {"ksm_do_scan:cond_resched", "ksm_do_scan: cond_resched() before each page",
       "ksm_thread_mutex (ksmd)"},
      {"scan_get_next_rmap_item:migrate_nodes",
       "scan_get_next_rmap_item: cond_resched() pruning migrate_nodes at the start of a full scan",
       "ksm_thread_mutex (ksmd)"},
      {"scan_get_next_rmap_item:start",
       "scan_get_next_rmap_item: spin_unlock(&ksm_mmlist_lock) after moving to the first mm_slot",
       "ksm_thread_mutex (ksmd)"},
      {"scan_get_next_rmap_item:no_page",
       "scan_get_next_rmap_item: cond_resched() after an address with no page",
       "ksm_thread_mutex, mmap_sem of the scanned mm for read (ksmd)"},
      {"scan_get_next_rmap_item:not_anon",
       "scan_get_next_rmap_item: cond_resched() after a page that is not anonymous",
       "ksm_thread_mutex, mmap_sem of the scanned mm for read (ksmd)"},
      {"scan_get_next_rmap_item:up_read",
       "scan_get_next_rmap_item: up_read(&mm->mmap_sem) before returning an rmap_item",
       "ksm_thread_mutex and a reference on the page (ksmd)"},
      {"scan_get_next_rmap_item:next_mm",
       "scan_get_next_rmap_item: spin_unlock(&ksm_mmlist_lock) + up_read(&mm->mmap_sem) after an "
       "mm",
       "ksm_thread_mutex (ksmd)"},
      {"stable_tree_search:cond_resched", "stable_tree_search: cond_resched() at each tree level",
       "ksm_thread_mutex and a reference on the page (ksmd)"},
      {"stable_tree_insert:cond_resched", "stable_tree_insert: cond_resched() at each tree level",
       "ksm_thread_mutex, the new KSM page's lock (ksmd)"},
      {"unstable_tree_search_insert:cond_resched",
       "unstable_tree_search_insert: cond_resched() at each tree level",
       "ksm_thread_mutex and a reference on the page (ksmd)"},
      {"remove_rmap_item_from_tree:cond_resched",
       "remove_rmap_item_from_tree: cond_resched() at out:",
       "ksm_thread_mutex; mmap_sem of the rmap_item's mm for read when called from the scan"},
      {"remove_node_from_stable_tree:cond_resched",
       "remove_node_from_stable_tree: cond_resched() after each rmap_item",
       "ksm_thread_mutex (ksmd, or the sysfs writer)"},
      {"break_ksm:cond_resched", "break_ksm: cond_resched() before each try",
       "mmap_sem of the vma's mm (read: ksmd, run=2; write: madvise); ksm_thread_mutex for run=2"},
      {"unmerge_and_remove_all_rmap_items:start",
       "unmerge_and_remove_all_rmap_items: spin_unlock(&ksm_mmlist_lock) after setting the cursor",
       "ksm_thread_mutex (the writer of run=2)"},
      {"unmerge_and_remove_all_rmap_items:next_mm",
       "unmerge_and_remove_all_rmap_items: spin_unlock + up_read(&mm->mmap_sem) after each mm",
       "ksm_thread_mutex (the writer of run=2)"},
      {"remove_all_stable_nodes:tree",
       "remove_all_stable_nodes: cond_resched() after each stable node",
       "ksm_thread_mutex (the writer of run=2 or merge_across_nodes)"},
      {"remove_all_stable_nodes:migrate_nodes",
       "remove_all_stable_nodes: cond_resched() after each node on migrate_nodes",
       "ksm_thread_mutex (the writer of run=2 or merge_across_nodes)"},
      {"__ksm_enter:unlock", "__ksm_enter: spin_unlock(&ksm_mmlist_lock)",
       "from fork: mmap_sem of parent and child for write; from madvise: mmap_sem for write"},
      {"__ksm_exit:unlock", "__ksm_exit: spin_unlock(&ksm_mmlist_lock)", "nothing (mmput)"},
      {"dup_mmap:next_vma", "dup_mmap: after copying each vma (fork)",
       "mmap_sem of parent and child for write"},
      {"do_swap_page:lock_page", "do_swap_page: lock_page() of the swap cache page",
       "mmap_sem of the faulting mm for read, a reference on the page"},
  };
  return points;
}

bool is_preemption_point(const std::string &name) {
  const auto &p = preemption_points();
  return std::any_of(p.begin(), p.end(), [&](const PreemptionPoint &x) { return name == x.name; });
}

} // namespace ksmsim
