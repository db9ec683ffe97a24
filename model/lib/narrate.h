// SPDX-License-Identifier: GPL-2.0-only
//
// Narration hooks: the KSM port and do_wp_page call Kernel::explain() at
// their branches with what happened (Why) and the objects involved; a
// Narrator (sim/inspect/narration.cpp) turns that into the reader's words.
// With no narrator installed a hook is one pointer test.
#pragma once

#include <cstdint>

namespace ksmsim {

struct rmap_item;
struct stable_node;
struct page;
struct mm_struct;

enum class Why : unsigned char {
  page_begin,       // cmp_and_merge_page: ksmd looks at item's page
  page_done,        // ksm_do_scan: cmp_and_merge_page returned
  to_migrate_nodes, // cmp_and_merge_page: node's page is on another NUMA node
  already_stable,   // cmp_and_merge_page: item already on node's rmap list
  still_stable,     // cmp_and_merge_page: stable_tree_search found the page itself
  ksm_page_forked,  // stable_tree_search: the page is already a KSM page (node)
  stable_hit,       // stable_tree_search: an equal KSM page (node)
  stable_miss,      // stable_tree_search: nothing equal
  stable_relinked,  // stable_tree_search: node back from migrate_nodes into the tree
  stable_replaced,  // stable_tree_search: node replaces other's place (value: old id)
  stable_dropped,   // stable_tree_search: equal node is on the wrong NUMA node
  merge_result,     // try_to_merge_with_ksm_page: item into page (null: a new KSM page); value: err
  volatile_page,    // cmp_and_merge_page: checksum changed (value: the new one)
  checksum_same,    // cmp_and_merge_page: checksum unchanged
  unstable_hit,     // unstable_tree_search_insert: other holds an equal page
  unstable_inserted,   // unstable_tree_search_insert: item inserted (value: nid)
  unstable_same_page,  // unstable_tree_search_insert: other maps this same page (forked)
  unstable_gone,       // unstable_tree_search_insert: other's page is no longer mergeable
  unstable_other_node, // unstable_tree_search_insert: other's page migrated to another node
  stable_inserted,     // stable_tree_insert: a new stable node
  stable_insert_equal, // stable_tree_insert: an equal node is there already (node)
  break_cow,           // break_cow(item)
  removed_stable,      // remove_rmap_item_from_tree: item off node's rmap list
  removed_unstable,    // remove_rmap_item_from_tree: item out of the unstable tree (value: age)
  stale_node,          // get_ksm_page: node's page is gone: node removed
  wp_copy,             // do_wp_page: page copied for a write at mm:addr (value: new pfn)
};

// What a hook passes: fields it does not name stay null.
struct Explained {
  Why why;
  const rmap_item *item = nullptr;
  const rmap_item *other = nullptr;
  const stable_node *node = nullptr;
  const page *pg = nullptr;
  const mm_struct *mm = nullptr;
  std::uint64_t addr = 0;
  std::int64_t value = 0;
};

class Narrator {
public:
  virtual ~Narrator() = default;
  virtual void note(const Explained &e) = 0;
};

} // namespace ksmsim
