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

#include "model/lib/host_memory.h"
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

// Not the kernel's layout (docs/port-map.md): rmap_item's address, with
// its flag bits, and its mm share one 64-bit word. A user address is below
// TASK_SIZE (2^47) and its flags (SEQNR_MASK, UNSTABLE_FLAG, STABLE_FLAG)
// use bits 0-9, so bits 10-11 and 47-63 are free: they hold the mm's id
// (mm_struct::id, 19 bits: below RMAP_MM_IDS). `address` reads and writes
// the kernel's field (bits 0-9 and 12-46) and `mm` the id, each leaving
// the other's bits alone, so the port's `rmap_item->address & PAGE_MASK`
// and `rmap_item->mm` read as the kernel's. Both are views of one word
// (a union of standard-layout structs with a common initial member).
inline constexpr std::uint64_t RMAP_ADDRESS_BITS = 0x00007ffffffff3ffULL;
inline constexpr std::uint32_t RMAP_MM_IDS = 1u << 19;
inline constexpr const char *RMAP_MM_LIMIT =
    "an rmap_item holds its mm's id in 19 bits: a run of the v3.9 profile may create at most "
    "524287 mm_structs";
struct rmap_item_address {
  std::uint64_t word;
  operator std::uint64_t() const { return word & RMAP_ADDRESS_BITS; }
  rmap_item_address &operator=(std::uint64_t a) {
    word = (word & ~RMAP_ADDRESS_BITS) | (a & RMAP_ADDRESS_BITS);
    return *this;
  }
  rmap_item_address &operator|=(std::uint64_t bits) { return *this = *this | bits; }
  rmap_item_address &operator&=(std::uint64_t mask) { return *this = *this & mask; }
};
struct rmap_item_mm_id {
  std::uint64_t word;
  operator std::uint32_t() const {
    return static_cast<std::uint32_t>((word >> 47) << 2 | (word >> 10 & 3));
  }
  // An id of RMAP_MM_IDS or more is the simulator's limit, SimulatorLimit
  // (docs/port-map.md; Ksm::__ksm_enter refuses such an mm before anything
  // changes, so this is only a backstop).
  rmap_item_mm_id &operator=(std::uint32_t id) {
    if (id >= RMAP_MM_IDS)
      throw SimulatorLimit(RMAP_MM_LIMIT);
    word = (word & RMAP_ADDRESS_BITS) | std::uint64_t(id >> 2) << 47 | std::uint64_t(id & 3) << 10;
    return *this;
  }
};

// The kernel's fields and their unions, in an order of the simulator's:
// value-initialise it to zero it. free_rmap_item sets mm to NULL (0), which
// marks it freed.
//
// Differs from the kernel's layout (its fields and their meaning are
// kept), so that an item is 32 bytes (docs/port-map.md): rmap_list and
// anon_vma are 32-bit ids, not pointers; mm shares address's word (above);
// the tree links, head and hlist are ids too. rmap_list is the next item's
// id (model/ksm/v3.9/rmap_arena.h: ids in allocation order from 1, 0 for
// NULL; the item's own id, for the trace's synthetic pointer, comes from
// its address), mm an mm_struct's id (Kernel::mm_of_id), anon_vma an
// anon_vma's (Kernel::anon_vma_of_id), node's links rmap_item ids
// (rb_node_id), head a stable_node_ref and hlist's links rmap_item ids
// (hlist_node_id).
//
// Items are 32 bytes from a 2^23-aligned base, so each is within one cache
// line; the simulator's seen_ cache of a tree item lives beside the items,
// not in them (RmapArena::seen), as only the unstable tree's items use it.
struct rmap_item {
  std::uint32_t rmap_list; // the first member: ksm_scan.rmap_list points at it
  union {
    std::uint32_t anon_vma; // when stable
    int nid;                // when a node of an unstable tree
  };
  union {
    rmap_item_address address; // + flags in the low bits
    rmap_item_mm_id mm;        // the same word's other bits
  };
  std::uint32_t oldchecksum;
  union {
    rb_node_id node;      // when a node of the unstable tree
    struct {              // when listed from the stable tree
      std::uint32_t head; // stable_node_ref of its stable_node
      hlist_node_id hlist;
    };
  };
};
static_assert(sizeof(rmap_item) == 32, "an rmap_item is 32 bytes");
// As in the kernel: head overlays node.__rb_parent_color, hlist.next
// node.rb_right and hlist.pprev node.rb_left.
static_assert(offsetof(rmap_item, head) == offsetof(rmap_item, node) &&
                  offsetof(rmap_item, hlist) == offsetof(rmap_item, node) + sizeof(std::uint32_t),
              "head and hlist should overlay rb_node's fields as in the kernel");

// Not the kernel's: what get_mergeable_page(item) gave when last looked at,
// a page without poked bytes (its content word), valid while the low 32
// bits of Kernel::mm_epoch are epoch (never 0: 0 is "nothing seen"). Then
// an unstable tree level whose seen word differs from the scanned page's
// content compares without touching the pte or the page
// (Ksm::unstable_tree_search_insert): a different word is a different
// page, so the kernel's "same page" check could not have been taken.
// One per rmap_item, beside the items (RmapArena::seen).
struct rmap_seen {
  std::uint32_t epoch;
  std::uint32_t unused;
  std::uint64_t word;
};
static_assert(sizeof(rmap_seen) == 16, "a seen entry is 16 bytes, half an rmap_item");

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
