// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9 mm/ksm.c. Each member function keeps the kernel
// function's name and control flow; the file-static state of ksm.c is this
// object's state. See docs/port-map.md.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/ksm/profile.h"
#include "model/ksm/v3.9/ksm_ops.h"
#include "model/ksm/v3.9/ksm_types.h"
#include "model/ksm/v3.9/rmap_arena.h"

namespace ksmsim {

class Kernel;
struct vm_area_struct;

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
  std::string_view version() const override { return "v3.9"; }
  int ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                  std::uint64_t *vm_flags) override;
  int __ksm_enter(mm_struct *mm) override;
  void __ksm_exit(mm_struct *mm) override;
  int ksm_fork(mm_struct *mm, mm_struct *oldmm) override; // include/linux/ksm.h
  void ksm_exit(mm_struct *mm) override;                  // include/linux/ksm.h
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
  // model/ksm/v3.9/ksm_view.cpp
  std::vector<SlotFigures> slot_figures() const override;
  std::uint64_t stable_tree_nodes() const override;
  std::uint64_t migrate_list_nodes() const override;

  // ---- sysfs (model/ksm/v3.9/ksm_sysfs.cpp): stores return the byte count or -errno ----
  long run_store(const std::string &buf);
  long pages_to_scan_store(const std::string &buf);
  long sleep_millisecs_store(const std::string &buf);
  long merge_across_nodes_store(const std::string &buf);
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
  // Pages ksmd has scanned (modern kernels' pages_scanned; not a 3.9 sysfs file).
  unsigned long ksm_pages_scanned = 0;
  struct ksm_scan ksm_scan;
  mm_slot ksm_mm_head;
  list_node migrate_nodes;
  // The tree roots, as the kernel keeps them: one_stable_tree and
  // one_unstable_tree until merge_across_nodes is first switched off, then
  // a buffer of one root per node for each (nodes left in one_stable_tree
  // then are orphaned, as in the kernel). The unstable roots hold rmap_item
  // ids (rb_root_id), so they have a buffer of their own (the kernel's one
  // kcalloc holds both).
  rb_root one_stable_tree[1] = {RB_ROOT};
  rb_root_id one_unstable_tree[1] = {RB_ROOT_ID};
  std::unique_ptr<rb_root[]> roots_buf;
  std::unique_ptr<rb_root_id[]> unstable_roots_buf;
  rb_root *root_stable_tree = one_stable_tree;
  rb_root_id *root_unstable_tree = one_unstable_tree;
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
  // Not the kernel's (model/ksm/v3.9/unstable_defer.cpp): link the
  // unstable tree inserts put off so far where the kernel linked them, for
  // a reader of the tree's links (the dump). The const one is for readers
  // holding a const Ksm: linking them changes no value of the kernel's.
  void settle_unstable_tree();
  void settle_unstable_tree() const;
  // How many unstable tree inserts were put off (for tests).
  std::uint64_t deferred_inserts = 0;
  bool in_stable_tree(const stable_node *node) const;
  int stable_tree_nid_of(const stable_node *node) const; // -1: in no current tree
  // hlist_for_each_entry over a stable_node's hlist (hlist_head_id): its
  // first rmap_item, and the one after item (nullptr at the end).
  rmap_item *hlist_first_entry(const stable_node *node) const { return rmap_at(node->hlist.first); }
  rmap_item *hlist_next_entry(const rmap_item *item) const { return rmap_at(item->hlist.next); }
  // The unstable tree's node-access policy (model/lib/rbtree_ops.h).
  rmap_rb_access unstable_access() const { return rmap_rb_access{rmap_items_}; }
  // The stable_node of an rmap_item's head (stable_node_ref), or nullptr
  // if head is no stable_node_ref of a node allocated so far.
  stable_node *stable_of_head(std::uint32_t head) const {
    const std::uint32_t id = head >> 2;
    if ((head & 3) != 2 || id == 0 || id > stable_nodes_.size())
      return nullptr;
    return stable_nodes_[id - 1].get();
  }
  // The rmap_item of an id (rmap_item::rmap_list, mm_slot::rmap_list), or nullptr for 0.
  rmap_item *rmap_at(std::uint32_t id) const { return id ? rmap_items_.at(id) : nullptr; }
  std::uint32_t rmap_items_allocated() const { return rmap_items_.allocated(); }
  static std::uint32_t rmap_id(const rmap_item *item) { return RmapArena::id_of(item); }
  static stable_node *stable_of_list(list_node *n);

  // Not the kernel's: forget what every rmap_item has seen (when the low 32
  // bits of Kernel::mm_epoch wrap).
  void forget_seen() override;

  // What the port has done so far (model/ksm/v3.9/ksm_ops.h), for the cost model.
  KsmOps ops;
  KsmOps *operation_counts() override { return &ops; }

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

  static bool ksm_test_exit(mm_struct *mm);
  int break_ksm(vm_area_struct *vma, std::uint64_t addr);
  vm_area_struct *find_mergeable_vma(mm_struct *mm, std::uint64_t addr);
  void break_cow(rmap_item *item);
  page *get_mergeable_page(rmap_item *item);
  int get_kpfn_nid(std::uint64_t kpfn) const;
  void remove_node_from_stable_tree(stable_node *node);
  page *get_ksm_page(stable_node *node, bool lock_it);
  void remove_rmap_item_from_tree(rmap_item *item);
  void remove_trailing_rmap_items(mm_slot *slot, std::uint32_t *rmap_list);
  int unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end);
  int remove_stable_node(stable_node *node);
  int remove_all_stable_nodes();
  int unmerge_and_remove_all_rmap_items();
  int memcmp_pages(page *a, page *b);
  // Counts one memcmp_pages of a and b (model/ksm/v3.9/ksm_ops.h).
  void count_memcmp(const PageContent &a, const PageContent &b);
  // The same against a word seen (rmap_seen::word), without its page.
  void count_memcmp(const PageContent &a, std::uint64_t seen_word);
  bool pages_identical(page *a, page *b) { return memcmp_pages(a, b) == 0; }
  int write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte);
  int replace_page(vm_area_struct *vma, page *p, page *kpage, pte_t orig_pte);
  int try_to_merge_one_page(vm_area_struct *vma, page *p, page *kpage);
  int try_to_merge_with_ksm_page(rmap_item *item, page *p, page *kpage);
  page *try_to_merge_two_pages(rmap_item *item, page *p, rmap_item *tree_item, page *tree_page);
  page *stable_tree_search(page *p);
  stable_node *stable_tree_insert(page *kpage);
  rmap_item *unstable_tree_search_insert(rmap_item *item, page *p, page **tree_pagep);
  void stable_tree_append(rmap_item *item, stable_node *node);
  // Not the kernel's: what get_mergeable_page(item) gave, pg (rmap_seen::epoch).
  void remember_seen(rmap_item *item, const page *pg);

  // Not the kernel's, and changing nothing the kernel has: walks of the
  // unstable tree for pages the scan will reach, read-only, a level at a
  // time between the real walk's levels, so that their paths are in the
  // cache when the real walks come (a walk is a chain of dependent cache
  // misses; these chains are independent of it). Hints only: no result
  // depends on them.
  struct lookahead_walk {
    std::uint64_t word = 0;
    std::uint32_t node = 0; // the next level's rmap_item id; 0: idle
  };
  static constexpr unsigned LOOKAHEAD_WALKS = 16;
  static constexpr unsigned LOOKAHEAD_PAGES = 24; // how far ahead a walk starts
  // Past this many rmap_items the unstable tree walk no longer fetches both
  // children of a level ahead (only the lookahead walks fetch): the child
  // not taken is a memory access the lookahead walks' misses then wait
  // behind (distinct, 2 full scans, without it: the whole run 10% slower at
  // 1 Mi pages, a wash at 16 Mi, the scans 15-23% faster at 64 Mi:
  // docs/perf.md, session 9).
  static constexpr std::uint32_t PREFETCH_CHILDREN_ITEMS = 1u << 23;
  std::array<lookahead_walk, LOOKAHEAD_WALKS> lookahead_{};
  unsigned lookahead_start_ = 0, lookahead_step_ = 0;
  // The content word of the page mapped LOOKAHEAD_PAGES pages past the
  // scan's cursor in its mm, if it is a plain word (read only, no count).
  bool peek_ahead_word(std::uint64_t *word) const;
  void lookahead_begin(const rb_root_id *root);
  void lookahead_level(std::uint32_t epoch32);

  // Not the kernel's (model/ksm/v3.9/unstable_defer.cpp): unstable tree
  // inserts that nothing can tell from the kernel's until the tree is read
  // are put off, in order, and linked when it is (settle_unstable_tree).
  // An item put off has PENDING_PARENT_COLOR (bit 1 set as in a stale
  // head, so it names no parent and equals no stable_node_ref: ids start at
  // 1), no right child, and in rb_left the next item put off (0 after the
  // last): a list from pending_first_ to pending_last_, in no memory of its
  // own.
  static constexpr std::uint32_t PENDING_PARENT_COLOR = 2;
  std::uint32_t pending_first_ = 0, pending_last_ = 0;
  // Whether item is put off: exact for the items of the list; one dropped
  // with its list at a reset (age 1 or more, so never asked by the
  // checker's age-0 test) may answer true, which only links early.
  bool put_off(const rmap_item *item) const {
    return pending_first_ && item->node.__rb_parent_color == PENDING_PARENT_COLOR;
  }
  bool defer_inserts_ = false;    // since the roots' reset, no item with pokes went in
  std::uint64_t defer_epoch_ = 0; // Kernel::mm_epoch at that reset
  void start_deferring();
  bool may_defer_insert(const page *p, bool use_seen) const;
  void defer_insert(rmap_item *item);
  void settle_if_put_off(const rmap_item *item);
  void unstable_inserted(rmap_item *item, const page *p, int nid);

  void cmp_and_merge_page(page *p, rmap_item *item);
  rmap_item *get_next_rmap_item(mm_slot *slot, std::uint32_t *rmap_list, std::uint64_t addr);
  rmap_item *scan_get_next_rmap_item(page **pagep);
  page *ksm_does_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address);

  // The kernel's rb_erase, after the simulator's check that node is in the
  // tree under root (a detector report if not; the erase runs anyway).
  void rb_erase(rb_node *node, rb_root *root, const char *fn);
  void rb_erase(std::uint32_t node, rb_root_id *root, const char *fn);
  std::string root_name(const void *root) const;
  // item->head's stable_node, which must be one (STABLE_FLAG): an oops if
  // not, where the kernel would follow a wild pointer.
  stable_node *head_node(const rmap_item *item, const char *fn) const;

  // checks that turn a use of a freed object into an oops
  void check_live(const stable_node *node, const char *fn) const;
  void check_live(const rmap_item *item, const char *fn) const;
  void check_live(const mm_slot *slot, const char *fn) const;

  // Freed stable_nodes and mm_slots stay allocated (poisoned) so that a
  // later use is caught. Freed rmap_items wait in a quarantine (as KASAN's)
  // before they are reused.
  RmapArena rmap_items_;
  std::deque<rmap_item *> rmap_quarantine_;
  std::deque<std::unique_ptr<stable_node>> stable_nodes_;
  std::deque<std::unique_ptr<mm_slot>> mm_slots_;
  std::uint32_t next_stable_id_ = 1, next_slot_id_ = 1;
};

// The v3.9 port behind k.ksm, or nullptr on another profile: for code that
// reads v3.9's own objects (stable_node, mm_slot, the trees).
Ksm *ksm_v3_9(Kernel &k);
const Ksm *ksm_v3_9(const Kernel &k);

} // namespace ksmsim
