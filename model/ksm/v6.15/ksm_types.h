// SPDX-License-Identifier: GPL-2.0-only
//
// 6.15 mm/ksm.c's objects: stable_node, rmap_item, mm_slot, ksm_scan. The tree
// links are the kernel's rb_node (model/lib/rbtree.h); the list links are
// plain structs that Boost.Intrusive's algorithms drive
// (model/ksm/v6.15/ksm_tree.h), so this header stays light.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/lib/list_node.h"
#include "model/lib/rbtree.h"
#include "model/mm/mm_types.h"

namespace ksmsim::v6_15 {

using ksmsim::list_node; // struct list_head, and 6.15's hlists too (model/lib/list_node.h)

struct rmap_item;

// struct ksm_stable_node (6.15). As in the kernel, the migrate_nodes link
// overlays the tree links: head is node.__rb_parent_color and hlist_dup is
// node.rb_right/rb_left; list follows (a dup is on its chain's hlist by
// hlist_dup, a migrated node on migrate_nodes by list). A dup's head is
// STABLE_NODE_DUP_HEAD. A chain has rmap_hlist_len STABLE_NODE_CHAIN and
// its hlist lists its dups; kpfn is then chain_prune_time (a union).
struct stable_node {
  union {
    rb_node node;      // when a node of a stable tree
    struct {           // when listed for migration, or a dup of a chain
      list_node *head; // &migrate_nodes, or STABLE_NODE_DUP_HEAD
      list_node hlist_dup;
      list_node list;
    };
  };
  list_node hlist{}; // the rmap_items using this ksm page; a chain's: its dups
  union {
    std::uint64_t kpfn;
    std::uint64_t chain_prune_time; // jiffies, of a chain
  };
  int rmap_hlist_len = 0;
  int nid = 0;
  std::uint32_t id = 0;
  bool freed = false;
  stable_node() : node{}, kpfn{0} { list = list_node{}; }
};
// STABLE_NODE_CHAIN can be any negative number in rmap_hlist_len's range,
// but better not -1, to detect underflows.
constexpr int STABLE_NODE_CHAIN = -1024;
static_assert(offsetof(stable_node, head) == offsetof(stable_node, node) &&
                  offsetof(stable_node, hlist_dup) == offsetof(stable_node, node) + sizeof(void *),
              "stable_node's head and hlist_dup overlay its rb_node as in the kernel");

// Low bits of rmap_item->address.
constexpr std::uint64_t SEQNR_MASK = 0x0ff;
constexpr std::uint64_t UNSTABLE_FLAG = 0x100;
constexpr std::uint64_t STABLE_FLAG = 0x200;

// typedef u8 rmap_age_t
using rmap_age_t = std::uint8_t;

// struct ksm_rmap_item (6.15): value-initialise it to zero it.
// free_rmap_item sets mm to NULL, which marks it freed. (Not v3.9's
// seen_* shortcut: this port always compares the kernel's way.)
struct rmap_item {
  rmap_item *rmap_list;
  union {
    struct anon_vma *anon_vma; // when stable
    int nid;                   // when a node of an unstable tree
  };
  mm_struct *mm;
  std::uint64_t address; // + flags in the low bits
  std::uint32_t oldchecksum;
  rmap_age_t age;             // scans since creation (smart_scan)
  rmap_age_t remaining_skips; // scans still to skip
  union {
    rb_node node; // when a node of the unstable tree
    struct {      // when listed from the stable tree
      stable_node *head;
      list_node hlist;
    };
  };
  std::uint32_t id; // for the trace's synthetic pointer
};
// As in the kernel: head overlays node.__rb_parent_color, hlist.next
// node.rb_right and hlist.prev (the kernel's pprev) node.rb_left.
static_assert(offsetof(rmap_item, head) == offsetof(rmap_item, node) &&
                  offsetof(rmap_item, hlist) == offsetof(rmap_item, node) + sizeof(void *),
              "head and hlist should overlay rb_node's fields as in the kernel");

struct mm_slot {
  list_node mm_list{};
  rmap_item *rmap_list = nullptr;
  mm_struct *mm = nullptr;
  std::uint32_t id = 0;
  bool freed = false;
};

struct ksm_scan {
  struct mm_slot *mm_slot = nullptr;
  std::uint64_t address = 0;
  rmap_item **rmap_list = nullptr;
  std::uint64_t seqnr = 0;
};

} // namespace ksmsim::v6_15
