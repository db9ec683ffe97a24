// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 6.15 mm/ksm.c (torvalds/linux bf4b87e8459). Each member function keeps the kernel
// function's name and control flow; the file-static state of ksm.c is this
// object's state. See docs/port-map-6.15.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/ksm/profile.h"
#include "model/ksm/v3.9/ksm_ops.h"
#include "model/ksm/v6.15/ksm_types.h"

namespace ksmsim {
class Kernel;
struct vm_area_struct;
} // namespace ksmsim

namespace ksmsim::v6_15 {

constexpr unsigned long KSM_RUN_STOP = 0;
constexpr unsigned long KSM_RUN_MERGE = 1;
constexpr unsigned long KSM_RUN_UNMERGE = 2;

class Ksm final : public KsmProfile {
public:
  explicit Ksm(Kernel &k);
  ~Ksm() override;
  Ksm(const Ksm &) = delete;
  Ksm &operator=(const Ksm &) = delete;

  // ---- entry points from the rest of mm ----
  std::string_view version() const override { return "v6.15"; }
  int ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                  std::uint64_t *vm_flags) override;
  int __ksm_enter(mm_struct *mm) override;
  void __ksm_exit(mm_struct *mm) override;
  int ksm_fork(mm_struct *mm, mm_struct *oldmm) override; // include/linux/ksm.h
  // 6.x hooks (KsmProfile)
  long prctl_memory_merge(mm_struct *mm, int option, unsigned long arg) override;
  void ksm_add_vma(vm_area_struct *vma) override;
  void ksm_might_unmap_zero_page(mm_struct *mm, pte_t pte) override;
  bool mm_stat(const mm_struct *mm, std::string_view name, std::int64_t *value) const override;
  bool has_mm_stat(std::string_view name) const override;
  int ksm_enable_merge_any(mm_struct *mm);
  int ksm_disable_merge_any(mm_struct *mm);
  int ksm_disable(mm_struct *mm);
  void ksm_exit(mm_struct *mm) override; // include/linux/ksm.h
  page *ksm_might_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) override;
  int try_to_unmap_ksm(page *p, unsigned flags) override;
  int rmap_walk_ksm(
      page *p,
      const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) override;
  void ksm_migrate_page(page *newpage, page *oldpage) override;

  // ---- ksmd ----
  void ksm_do_scan(unsigned int scan_npages) override;
  bool ksmd_should_run() const override;
  unsigned int thread_pages_to_scan() const override { return ksm_thread_pages_to_scan; }
  unsigned int thread_sleep_millisecs() const override { return ksm_thread_sleep_millisecs; }
  std::uint64_t scan_seqnr() const override { return ksm_scan.seqnr; }
  unsigned long pages_scanned() const override { return ksm_pages_scanned; }
  unsigned long rmap_items() const override { return ksm_rmap_items; }
  // model/ksm/v6.15/ksm_view.cpp
  std::vector<SlotFigures> slot_figures() const override;
  std::uint64_t stable_tree_nodes() const override;
  std::uint64_t migrate_list_nodes() const override;

  // ---- sysfs (model/ksm/v6.15/ksm_sysfs.cpp): stores return the byte count or -errno ----
  long run_store(const std::string &buf);
  long pages_to_scan_store(const std::string &buf);
  long sleep_millisecs_store(const std::string &buf);
  long merge_across_nodes_store(const std::string &buf);
  long use_zero_pages_store(const std::string &buf);
  long max_page_sharing_store(const std::string &buf);
  long stable_node_chains_prune_millisecs_store(const std::string &buf);
  long smart_scan_store(const std::string &buf);
  long advisor_mode_store(const std::string &buf);
  long advisor_max_cpu_store(const std::string &buf);
  long advisor_min_pages_to_scan_store(const std::string &buf);
  long advisor_max_pages_to_scan_store(const std::string &buf);
  long advisor_target_scan_time_store(const std::string &buf);
  void set_advisor_defaults();
  // Reads a sysfs file's value by name; false if there is no such file.
  bool sysfs_show(const std::string &name, std::uint64_t *value) const override;
  // A store by file name: bytes written or -errno (-ENOENT for no such file).
  long sysfs_store(const std::string &name, const std::string &buf) override;
  const std::vector<std::string> &sysfs_files() const override;

  // ---- state, read by the runner and the invariant checker ----
  unsigned long ksm_run = KSM_RUN_STOP;
  unsigned int ksm_thread_pages_to_scan = 100;
  unsigned int ksm_thread_sleep_millisecs = 20;
  unsigned int ksm_merge_across_nodes = 1;
  int ksm_nr_node_ids = 1;
  unsigned long ksm_pages_shared = 0;
  unsigned long ksm_pages_sharing = 0;
  unsigned long ksm_pages_unshared = 0;
  unsigned long ksm_rmap_items = 0;
  unsigned long ksm_pages_scanned = 0;
  unsigned long ksm_stable_node_chains = 0;
  unsigned long ksm_stable_node_dups = 0;
  unsigned int ksm_stable_node_chains_prune_millisecs = 2000;
  int ksm_max_page_sharing = 256;
  std::uint32_t zero_checksum = 0; // calc_checksum(ZERO_PAGE(0)), set at ksm_init
  bool zero_checksum_set = false;
  bool ksm_use_zero_pages = false;
  bool ksm_smart_scan = true;
  long ksm_zero_pages = 0; // atomic_long_t
  unsigned long ksm_pages_skipped = 0;
  // the advisor
  unsigned long ksm_advisor_max_pages_to_scan = 30000;
  unsigned int ksm_advisor_max_cpu = 70;
  unsigned long ksm_advisor_target_scan_time = 200;
  unsigned long ksm_advisor_min_pages_to_scan = 500;
  struct advisor_ctx {
    std::uint64_t start_scan = 0; // ktime_get(), in ns of virtual time
    unsigned long scan_time = 0;
    unsigned long change = 0;
    unsigned long long cpu_time = 0; // ns
  } advisor_ctx;
  enum ksm_advisor_type { KSM_ADVISOR_NONE, KSM_ADVISOR_SCAN_TIME } ksm_advisor = KSM_ADVISOR_NONE;
  // The 6.18 fork fix ('mm/ksm: Fix incorrect KSM counter handling in
  // mm_struct during fork', 2025): on, as the live kernel decides.
  bool fork_counter_fix = true;
  struct ksm_scan ksm_scan;
  mm_slot ksm_mm_head;
  list_node migrate_nodes;
  // The tree roots, as the kernel keeps them: one_stable_tree and
  // one_unstable_tree until merge_across_nodes is first switched off, then
  // a buffer of one root per node for each (nodes left in one_stable_tree
  // then are orphaned, as in the kernel).
  rb_root one_stable_tree[1] = {RB_ROOT};
  rb_root one_unstable_tree[1] = {RB_ROOT};
  std::unique_ptr<rb_root[]> roots_buf;
  rb_root *root_stable_tree = one_stable_tree;
  rb_root *root_unstable_tree = one_unstable_tree;
  // How many roots root_stable_tree (and root_unstable_tree) point to.
  int nr_roots() const;

  // ksm_thread_mutex (KsmProfile::ksm_thread_mutex_held): held by ksmd
  // while it scans, and by the run and merge_across_nodes stores.
  void mutex_lock() override;
  void mutex_unlock() override;

  mm_slot *get_mm_slot(mm_struct *mm);
  std::uint32_t calc_checksum(page *p);
  // All live stable nodes (in the trees and on migrate_nodes), for checks.
  template <class F> void for_each_stable_node(F &&f) const {
    for (const auto &n : stable_nodes_)
      if (!n->freed)
        f(n.get());
  }
  template <class F> void for_each_mm_slot(F &&f) const {
    for (const auto &s : mm_slots_)
      if (!s->freed)
        f(s.get());
  }
  bool in_unstable_tree(const rmap_item *item) const;
  bool in_stable_tree(const stable_node *node) const;
  int stable_tree_nid_of(const stable_node *node) const; // -1: in no current tree
  static rmap_item *rmap_of_hlist(list_node *n);
  static stable_node *stable_of_list(list_node *n);
  static stable_node *stable_of_hlist_dup(list_node *n);
  // A chain: rmap_hlist_len STABLE_NODE_CHAIN. A dup: head STABLE_NODE_DUP_HEAD
  // (&migrate_nodes.prev: aligned, never a node, never &migrate_nodes).
  static bool is_stable_node_chain(const stable_node *chain) {
    return chain->rmap_hlist_len == STABLE_NODE_CHAIN;
  }
  bool is_stable_node_dup(const stable_node *dup) const {
    return dup->head == STABLE_NODE_DUP_HEAD();
  }
  list_node *STABLE_NODE_DUP_HEAD() const {
    return reinterpret_cast<list_node *>(const_cast<list_node **>(&migrate_nodes.prev));
  }

  // What the port has done so far (model/ksm/v3.9/ksm_ops.h), for the cost model.
  KsmOps ops;
  KsmOps *operation_counts() override { return &ops; }

  // folio_stable_node: the stable_node a KSM page's mapping names (its id).
  stable_node *folio_stable_node(const page *p) const;

private:
  Kernel &k;
  friend class InvariantChecker;

  // allocation (kmem_caches)
  rmap_item *alloc_rmap_item();
  void free_rmap_item(rmap_item *item);
  stable_node *alloc_stable_node();
  void free_stable_node(stable_node *node);
  mm_slot *alloc_mm_slot();
  void free_mm_slot(mm_slot *slot);
  void insert_to_mm_slots_hash(mm_struct *mm, mm_slot *slot);
  void hash_del(mm_slot *slot);

  // folio_set_stable_node: page->mapping is the node's id with
  // PAGE_MAPPING_KSM (the simulator's ANON|KSM bits; folio_stable_node is public).
  void folio_set_stable_node(page *p, stable_node *node);
  static bool ksm_test_exit(mm_struct *mm);
  int break_ksm(vm_area_struct *vma, std::uint64_t addr, bool lock_vma);
  vm_area_struct *find_mergeable_vma(mm_struct *mm, std::uint64_t addr);
  void break_cow(rmap_item *item);
  page *get_mergeable_page(rmap_item *item);
  int get_kpfn_nid(std::uint64_t kpfn) const;
  void remove_node_from_stable_tree(stable_node *node);
  enum ksm_get_folio_flags { KSM_GET_FOLIO_NOLOCK, KSM_GET_FOLIO_LOCK, KSM_GET_FOLIO_TRYLOCK };
  // ksm_get_folio (folios are pages here); ERR_PTR(-EBUSY) is ksm_folio_busy().
  page *ksm_get_folio(stable_node *node, ksm_get_folio_flags flags);
  page *ksm_folio_busy() const { return reinterpret_cast<page *>(std::uintptr_t(-EBUSY)); }
  void remove_rmap_item_from_tree(rmap_item *item);
  void remove_trailing_rmap_items(rmap_item **rmap_list);
  int unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, bool lock_vma);
  int remove_stable_node(stable_node *node);
  int remove_all_stable_nodes();
  int unmerge_and_remove_all_rmap_items();
  int memcmp_pages(page *a, page *b);
  // Counts one memcmp_pages of a and b (model/ksm/v3.9/ksm_ops.h).
  void count_memcmp(const PageContent &a, const PageContent &b);
  bool pages_identical(page *a, page *b) { return memcmp_pages(a, b) == 0; }
  int write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte);
  int replace_page(vm_area_struct *vma, page *p, page *kpage, pte_t orig_pte);
  int try_to_merge_one_page(vm_area_struct *vma, page *p, page *kpage);
  int try_to_merge_with_ksm_page(rmap_item *item, page *p, page *kpage);
  page *try_to_merge_two_pages(rmap_item *item, page *p, rmap_item *tree_item, page *tree_page);
  page *stable_tree_search(page *p);
  stable_node *stable_tree_insert(page *kpage);
  rmap_item *unstable_tree_search_insert(rmap_item *item, page *p, page **tree_pagep);
  void stable_tree_append(rmap_item *item, stable_node *node, bool max_page_sharing_bypass);
  int try_to_merge_with_zero_page(rmap_item *item, page *p);
  // the stable_node chains
  void stable_node_chain_add_dup(stable_node *dup, stable_node *chain);
  void __stable_node_dup_del(stable_node *dup);
  void stable_node_dup_del(stable_node *dup);
  stable_node *alloc_stable_node_chain(stable_node *dup, rb_root *root);
  void free_stable_node_chain(stable_node *chain, rb_root *root);
  bool __is_page_sharing_candidate(const stable_node *node, int offset) const;
  bool is_page_sharing_candidate(const stable_node *node) const {
    return __is_page_sharing_candidate(node, 0);
  }
  page *stable_node_dup(stable_node **_stable_node_dup, stable_node **_stable_node, rb_root *root,
                        bool prune_stale_stable_nodes);
  page *__stable_node_chain(stable_node **_stable_node_dup, stable_node **_stable_node,
                            rb_root *root, bool prune_stale_stable_nodes);
  page *chain_prune(stable_node **s_n_d, stable_node **s_n, rb_root *root) {
    return __stable_node_chain(s_n_d, s_n, root, true);
  }
  page *chain(stable_node **s_n_d, stable_node **s_n, rb_root *root) {
    return __stable_node_chain(s_n_d, s_n, root, false);
  }
  int remove_stable_node_chain(stable_node *node, rb_root *root);
  // smart_scan
  static unsigned int skip_age(rmap_age_t age);
  bool should_skip_rmap_item(page *p, rmap_item *item);
  // the advisor
  std::uint64_t ktime_get_ns() const;
  void advisor_start_scan();
  void scan_time_advisor();
  void advisor_stop_scan();
  unsigned long jiffies() const;
  static unsigned long msecs_to_jiffies(unsigned int m);
  // prctl / MMF_VM_MERGE_ANY
  static bool vma_ksm_compatible(const vm_area_struct *vma);
  void __ksm_add_vma(vm_area_struct *vma);
  int __ksm_del_vma(vm_area_struct *vma);
  void ksm_add_vmas(mm_struct *mm);
  int ksm_del_vmas(mm_struct *mm);
  void ksm_map_zero_page(mm_struct *mm);

  void cmp_and_merge_page(page *p, rmap_item *item);
  rmap_item *get_next_rmap_item(mm_slot *slot, rmap_item **rmap_list, std::uint64_t addr);
  rmap_item *scan_get_next_rmap_item(page **pagep);
  page *ksm_does_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address);

  // The kernel's rb_erase, after the simulator's check that node is in the
  // tree under root (a detector report if not; the erase runs anyway).
  void rb_erase(rb_node *node, rb_root *root, const char *fn);
  std::string root_name(const rb_root *root) const;

  // checks that turn a use of a freed object into an oops
  void check_live(const stable_node *node, const char *fn) const;
  void check_live(const rmap_item *item, const char *fn) const;
  void check_live(const mm_slot *slot, const char *fn) const;

  // Freed stable_nodes and mm_slots stay allocated (poisoned) so that a
  // later use is caught. Freed rmap_items wait in a quarantine (as KASAN's)
  // before they are reused.
  std::deque<rmap_item> rmap_items_;
  std::deque<rmap_item *> rmap_quarantine_;
  std::deque<std::unique_ptr<stable_node>> stable_nodes_;
  std::deque<std::unique_ptr<mm_slot>> mm_slots_;
  std::uint32_t next_rmap_id_ = 1, next_stable_id_ = 1, next_slot_id_ = 1;
};

// The v6.15 port behind k.ksm, or nullptr on another profile.
Ksm *ksm_v6_15(Kernel &k);
const Ksm *ksm_v6_15(const Kernel &k);

} // namespace ksmsim::v6_15
