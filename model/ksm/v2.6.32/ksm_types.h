// SPDX-License-Identifier: GPL-2.0-only
//
// The 2.6.32 seed's objects (mm/ksm.c as first merged): mm_slot, rmap_item,
// ksm_scan. There is no stable_node: the stable tree's nodes are rmap_items,
// each heading a list (next/prev) of the rmap_items sharing its KSM page.
#pragma once

#include <cstdint>

#include "model/lib/list_node.h"
#include "model/lib/rbtree.h"
#include "model/mm/mm_types.h"

namespace ksmsim::v2_6_32 {

struct mm_slot {
  list_node mm_list{};   // link into the mm_slots list, rooted in ksm_mm_head
  list_node rmap_list{}; // head of this mm_slot's list of rmap_items
  mm_struct *mm = nullptr;
  std::uint32_t id = 0;
  bool freed = false;
};

// Low bits of rmap_item->address.
constexpr std::uint64_t SEQNR_MASK = 0x0ff;  // low bits of unstable tree seqnr
constexpr std::uint64_t NODE_FLAG = 0x100;   // is a node of unstable or stable tree
constexpr std::uint64_t STABLE_FLAG = 0x200; // is a node or list item of stable tree

// As the kernel's: oldchecksum and next share a word (so next = NULL zeroes
// the checksum), and prev overlays node's __rb_parent_color.
struct rmap_item {
  list_node link; // link into mm_slot's rmap_list (link comes first)
  mm_struct *mm;
  std::uint64_t address; // + low bits used for flags above
  union {
    unsigned int oldchecksum; // when unstable
    rmap_item *next;          // when stable
  };
  union {
    rb_node node;    // when tree node
    rmap_item *prev; // in stable list
  };
  std::uint32_t id; // not the kernel's: for the trace's synthetic pointer
};

struct ksm_scan {
  struct mm_slot *mm_slot = nullptr;
  std::uint64_t address = 0;
  rmap_item *rmap_item_ = nullptr; // the kernel's ksm_scan.rmap_item (a C++ name clash)
  std::uint64_t seqnr = 0;
};

inline rmap_item *rmap_of_link(list_node *l) {
  return reinterpret_cast<rmap_item *>(l); // link is rmap_item's first member
}
inline rmap_item *rmap_of_node(rb_node *n) {
  return reinterpret_cast<rmap_item *>(reinterpret_cast<char *>(n) - offsetof(rmap_item, node));
}
inline mm_slot *slot_of_list(list_node *l) {
  return reinterpret_cast<mm_slot *>(l); // mm_list is mm_slot's first member
}

} // namespace ksmsim::v2_6_32
