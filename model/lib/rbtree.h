// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9's red-black tree: the types and inline helpers of
// include/linux/rbtree.h, the internal helpers of
// include/linux/rbtree_augmented.h that its users see, and lib/rbtree.c's
// functions (model/lib/rbtree.cpp). There is no header node: a root is one
// pointer, and rb_erase trusts the erased node's own links, so a node that
// is not in the tree it is erased from is handled as the kernel handles it
// (see docs/port-map.md).
#pragma once

namespace ksmsim {

// The parent pointer with the colour in bit 0 (bit 1 unused), then right,
// then left: the kernel's field order, so that unions laid over a node (KSM's
// rmap_item) overlay the same fields as in the kernel.
struct rb_node {
  unsigned long __rb_parent_color;
  rb_node *rb_right;
  rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
  struct rb_node *rb_node;
};

inline constexpr int RB_RED = 0;
inline constexpr int RB_BLACK = 1;
inline constexpr rb_root RB_ROOT{nullptr};

inline rb_node *__rb_parent(unsigned long pc) {
  return reinterpret_cast<rb_node *>(pc & ~3UL);
}
inline rb_node *rb_parent(const rb_node *r) {
  return __rb_parent(r->__rb_parent_color);
}
inline int __rb_color(unsigned long pc) {
  return static_cast<int>(pc & 1);
}
inline bool __rb_is_black(unsigned long pc) {
  return __rb_color(pc);
}
inline bool __rb_is_red(unsigned long pc) {
  return !__rb_color(pc);
}
inline int rb_color(const rb_node *rb) {
  return __rb_color(rb->__rb_parent_color);
}
inline bool rb_is_red(const rb_node *rb) {
  return __rb_is_red(rb->__rb_parent_color);
}
inline bool rb_is_black(const rb_node *rb) {
  return __rb_is_black(rb->__rb_parent_color);
}

inline bool RB_EMPTY_ROOT(const rb_root *root) {
  return root->rb_node == nullptr;
}
// 'empty' nodes are nodes that are known not to be inserted in a tree.
inline bool RB_EMPTY_NODE(const rb_node *node) {
  return node->__rb_parent_color == reinterpret_cast<unsigned long>(node);
}
inline void RB_CLEAR_NODE(rb_node *node) {
  node->__rb_parent_color = reinterpret_cast<unsigned long>(node);
}

// Links node as a red leaf below parent (nullptr: the root) at *rb_link;
// rb_insert_color then rebalances.
inline void rb_link_node(rb_node *node, rb_node *parent, rb_node **rb_link) {
  node->__rb_parent_color = reinterpret_cast<unsigned long>(parent);
  node->rb_left = node->rb_right = nullptr;
  *rb_link = node;
}

void rb_insert_color(rb_node *node, rb_root *root);
void rb_erase(rb_node *node, rb_root *root);

// Find logical next and previous nodes in a tree.
rb_node *rb_next(const rb_node *node);
rb_node *rb_prev(const rb_node *node);
rb_node *rb_first(const rb_root *root);
rb_node *rb_last(const rb_root *root);

// Fast replacement of a single node without remove/rebalance/add/rebalance.
void rb_replace_node(rb_node *victim, rb_node *new_, rb_root *root);

} // namespace ksmsim
