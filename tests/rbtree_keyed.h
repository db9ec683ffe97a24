// SPDX-License-Identifier: GPL-2.0-only
//
// For the rbtree tests: a tree of keyed items linked by rb_node pointers,
// filled with the kernel's insert pattern (mm/ksm.c's stable_tree_insert),
// and its shape as text.
#pragma once

#include <cstddef>
#include <string>

#include "model/lib/rbtree.h"

namespace ksmsim::rbtree_test {

struct Item {
  rb_node node{}; // the first member
  int key = 0;
};

inline Item *item_of(rb_node *n) {
  static_assert(offsetof(Item, node) == 0, "node is Item's first member");
  return reinterpret_cast<Item *>(n);
}

inline int key_of(const rb_node *n) {
  return n ? item_of(const_cast<rb_node *>(n))->key : -1;
}

inline void insert(rb_root *root, Item *it) {
  rb_node **new_ = &root->rb_node, *parent = nullptr;
  while (*new_) {
    parent = *new_;
    new_ = it->key < key_of(parent) ? &parent->rb_left : &parent->rb_right;
  }
  rb_link_node(&it->node, parent, new_);
  rb_insert_color(&it->node, root);
}

// "key colour(left, right)" with B/r for black/red, "-" for NULL.
inline std::string shape(const rb_node *n) {
  if (!n)
    return "-";
  std::string s = std::to_string(key_of(n)) + (rb_is_black(n) ? "B" : "r");
  if (n->rb_left || n->rb_right)
    s += "(" + shape(n->rb_left) + "," + shape(n->rb_right) + ")";
  return s;
}

} // namespace ksmsim::rbtree_test
