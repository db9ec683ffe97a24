// SPDX-License-Identifier: GPL-2.0-only
//
// mm/ksm.c's objects: stable_node, rmap_item, mm_slot, ksm_scan. The tree
// links are the kernel's rb_node (model/lib/rbtree.h); the list links are
// plain structs that Boost.Intrusive's algorithms drive
// (model/ksm/v3.9/ksm_tree.h), so this header stays light.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/lib/rbtree.h"
#include "model/mm/mm_types.h"

namespace ksmsim {

// A doubly linked list node (struct list_head / hlist_node).
struct list_node {
  list_node *next;
  list_node *prev;
};

struct rmap_item;

// As in the kernel, the migrate_nodes link overlays the tree links: head
// is node.__rb_parent_color, list is node.rb_right/rb_left. Moving a node
// to migrate_nodes overwrites its tree links, and linking it into a tree
// overwrites head.
struct stable_node {
  union {
    rb_node node;      // when a node of a stable tree
    struct {           // when listed for migration
      list_node *head; // &migrate_nodes
      list_node list;
    };
  };
  list_node hlist{}; // header of the rmap_items using this ksm page
  std::uint64_t kpfn = 0;
  int nid = 0;
  std::uint32_t id = 0;
  bool freed = false;
  stable_node() : node{} {}
};
static_assert(offsetof(stable_node, head) == offsetof(stable_node, node) &&
                  offsetof(stable_node, list) == offsetof(stable_node, node) + sizeof(void *),
              "stable_node's head and list overlay its rb_node as in the kernel");

// Low bits of rmap_item->address.
constexpr std::uint64_t SEQNR_MASK = 0x0ff;
constexpr std::uint64_t UNSTABLE_FLAG = 0x100;
constexpr std::uint64_t STABLE_FLAG = 0x200;

// The kernel's fields and their unions, in an order of the simulator's:
// value-initialise it to zero it. free_rmap_item sets mm to NULL (0), which
// marks it freed. An unstable tree level reads only rb_right, rb_left and
// the seen_ fields below: the 32 bytes at offset 32, one cache line (the
// item is 32-byte aligned).
//
// Differs from the kernel's layout (its fields and their meaning are
// kept): rmap_list, mm and anon_vma are 32-bit ids, not pointers, so that
// an item is 64 bytes with the seen_ cache (docs/port-map.md). rmap_list
// is the next item's id (model/ksm/v3.9/rmap_arena.h: ids in allocation
// order from 1, 0 for NULL; the item's own id, for the trace's synthetic
// pointer, comes from its address), mm an mm_struct's id
// (Kernel::mm_of_id) and anon_vma an anon_vma's (Kernel::anon_vma_of_id).
struct alignas(32) rmap_item {
  std::uint32_t rmap_list; // the first member: ksm_scan.rmap_list points at it
  union {
    std::uint32_t anon_vma; // when stable
    int nid;                // when a node of an unstable tree
  };
  std::uint32_t mm;
  std::uint32_t oldchecksum;
  std::uint64_t address; // + flags in the low bits
  union {
    rb_node node; // when a node of the unstable tree
    struct {      // when listed from the stable tree
      stable_node *head;
      list_node hlist;
    };
  };
  // Not the kernel's: what get_mergeable_page(this) gave when last looked
  // at, a page without poked bytes (its pfn and content word), valid while
  // the low 32 bits of Kernel::mm_epoch are seen_epoch (never 0: 0 is
  // "nothing seen"). Then an unstable tree level compares without touching
  // the pte or the page (Ksm::unstable_tree_search_insert).
  std::uint64_t seen_word;
  std::uint32_t seen_epoch;
  std::uint32_t seen_pfn;
};
static_assert(sizeof(rmap_item) == 64, "an rmap_item is 64 bytes");
static_assert(offsetof(rmap_item, node) + offsetof(rb_node, rb_right) == 32 &&
                  offsetof(rmap_item, seen_pfn) + sizeof(std::uint32_t) == 64,
              "an unstable tree level's fields share one 32-byte-aligned cache line");
// As in the kernel: head overlays node.__rb_parent_color, hlist.next
// node.rb_right and hlist.prev (the kernel's pprev) node.rb_left.
static_assert(offsetof(rmap_item, head) == offsetof(rmap_item, node) &&
                  offsetof(rmap_item, hlist) == offsetof(rmap_item, node) + sizeof(void *),
              "head and hlist should overlay rb_node's fields as in the kernel");

// For readers outside the port (model/ksm/v3.9/rmap_arena.cpp): the item
// after this one on its rmap_list (nullptr at the end), its id, its mm.
rmap_item *rmap_item_next(const rmap_item *item);
std::uint32_t rmap_item_id(const rmap_item *item);
mm_struct *rmap_item_mm(const rmap_item *item);

struct mm_slot {
  list_node mm_list{};
  std::uint32_t rmap_list = 0; // the first item's id (rmap_item::rmap_list)
  mm_struct *mm = nullptr;
  std::uint32_t id = 0;
  bool freed = false;
};

struct ksm_scan {
  struct mm_slot *mm_slot = nullptr;
  std::uint64_t address = 0;
  std::uint32_t *rmap_list = nullptr; // an mm_slot's or rmap_item's rmap_list
  std::uint64_t seqnr = 0;
};

} // namespace ksmsim
