// SPDX-License-Identifier: GPL-2.0-only
//
// mm/ksm.c's objects: stable_node, rmap_item, mm_slot, ksm_scan. The
// stable tree's links are the kernel's rb_node (model/lib/rbtree.h), the
// unstable tree's and the stable node's hlist 32-bit ids (rb_node_id,
// hlist_node_id); the list links are plain structs that Boost.Intrusive's
// algorithms drive (model/ksm/v3.9/ksm_tree.h), so this header stays light.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/lib/list_node.h"
#include "model/lib/rbtree.h"
#include "model/mm/mm_types.h"

namespace ksmsim {

// Not the kernel's layout (docs/port-map.md): the unstable tree's links as
// 32-bit rmap_item ids (model/ksm/v3.9/rmap_arena.h; 0 is NULL), in
// rb_node's field order. __rb_parent_color is the parent's id shifted left
// by 2 with the colour in bit 0, bit 1 unused (a pointer's low bits in the
// kernel), so ids stay below 2^30. model/lib/rbtree_ops.h's functions reach
// them through rmap_rb_access.
struct rb_node_id {
  std::uint32_t __rb_parent_color;
  std::uint32_t rb_right;
  std::uint32_t rb_left;
};
struct rb_root_id {
  std::uint32_t rb_node;
};
inline constexpr rb_root_id RB_ROOT_ID{0};

// The kernel's hlist_head and hlist_node for the rmap_items of a stable
// node, with ids: first and next are rmap_item ids (0: NULL), pprev is the
// previous item's id, whose next points here, or 0 meaning the head's first
// (the item's head names the stable_node whose hlist that is). The
// primitives are in model/ksm/v3.9/ksm_tree.h.
struct hlist_head_id {
  std::uint32_t first;
};
struct hlist_node_id {
  std::uint32_t next;
  std::uint32_t pprev;
};
// What hlist_del leaves in next and pprev: include/linux/poison.h's
// LIST_POISON1 (0x00100100) and LIST_POISON2 (0x00200200) with bit 30 set,
// as ids stay below 2^30 (rmap_arena.h): no rmap_item has them, as no
// mapping has the kernel's poisons (on x86-64 0xdead000000100100 and
// 0xdead000000200200, non-canonical). Distinct from 0, which pprev uses
// for &head->first.
inline constexpr std::uint32_t HLIST_ID_POISON1 = 0x40100100;
inline constexpr std::uint32_t HLIST_ID_POISON2 = 0x40200200;

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
  hlist_head_id hlist{}; // header of the rmap_items using this ksm page
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

// rmap_item->head's value for a stable_node: its id shifted left by 2 with
// bit 1 set. The kernel compares a stale head (one left over in the union
// from the unstable tree: a parent rmap_item pointer and a colour) with a
// stable_node's address and never finds them equal, as they are different
// objects: bit 1, never set in a __rb_parent_color, keeps that so with ids.
// NULL is 0.
inline std::uint32_t stable_node_ref(const stable_node *node) {
  return node ? node->id << 2 | 2 : 0;
}

// The kernel's fields and their unions, in an order of the simulator's:
// value-initialise it to zero it. free_rmap_item sets mm to NULL (0), which
// marks it freed.
//
// Differs from the kernel's layout (its fields and their meaning are
// kept), so that an item is 48 bytes with the seen_ cache
// (docs/port-map.md): rmap_list, mm and anon_vma are 32-bit ids, not
// pointers; the tree links, head and hlist too. rmap_list is the next
// item's id (model/ksm/v3.9/rmap_arena.h: ids in allocation order from 1,
// 0 for NULL; the item's own id, for the trace's synthetic pointer, comes
// from its address), mm an mm_struct's id (Kernel::mm_of_id), anon_vma an
// anon_vma's (Kernel::anon_vma_of_id), node's links rmap_item ids
// (rb_node_id), head a stable_node_ref and hlist's links rmap_item ids
// (hlist_node_id).
//
// An unstable tree level reads rb_right or rb_left and the seen_ fields:
// the 20 bytes at offset 28. Items are 48 bytes apart from a 64-byte
// boundary, so they start at 0, 48, 32 or 16 in a cache line, and the 20
// bytes cross a line only at 32: 1.25 cache lines a level on average (no
// 20 bytes of a 48-byte item do better: a line boundary falls at its
// offset 16 or 32 in three of four items).
struct rmap_item {
  std::uint32_t rmap_list; // the first member: ksm_scan.rmap_list points at it
  union {
    std::uint32_t anon_vma; // when stable
    int nid;                // when a node of an unstable tree
  };
  std::uint32_t mm;
  std::uint32_t oldchecksum;
  std::uint64_t address; // + flags in the low bits
  union {
    rb_node_id node;      // when a node of the unstable tree
    struct {              // when listed from the stable tree
      std::uint32_t head; // stable_node_ref of its stable_node
      hlist_node_id hlist;
    };
  };
  // Not the kernel's: what get_mergeable_page(this) gave when last looked
  // at, a page without poked bytes (its content word), valid while the low
  // 32 bits of Kernel::mm_epoch are seen_epoch (never 0: 0 is "nothing
  // seen"). Then an unstable tree level whose seen word differs from the
  // scanned page's content compares without touching the pte or the page
  // (Ksm::unstable_tree_search_insert): a different word is a different
  // page, so the kernel's "same page" check could not have been taken.
  std::uint32_t seen_epoch;
  std::uint64_t seen_word;
};
static_assert(sizeof(rmap_item) == 48, "an rmap_item is 48 bytes");
static_assert(offsetof(rmap_item, node) + offsetof(rb_node_id, rb_right) == 28 &&
                  offsetof(rmap_item, seen_word) + sizeof(std::uint64_t) == 48,
              "an unstable tree level's fields are the item's last 20 bytes");
// As in the kernel: head overlays node.__rb_parent_color, hlist.next
// node.rb_right and hlist.pprev node.rb_left.
static_assert(offsetof(rmap_item, head) == offsetof(rmap_item, node) &&
                  offsetof(rmap_item, hlist) == offsetof(rmap_item, node) + sizeof(std::uint32_t),
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
