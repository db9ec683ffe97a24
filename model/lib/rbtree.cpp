// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9 lib/rbtree.c (rb_insert_color, rb_erase, rb_first,
// rb_last, rb_next, rb_prev, rb_replace_node) with the non-augmented case of
// include/linux/rbtree_augmented.h's __rb_erase_augmented, for trees of
// rb_node: the body is model/lib/rbtree_ops.h's, over the pointer policy. The augment
// callbacks are the kernel's dummy ones, so they are left out. Nothing here
// checks that a node is in the tree it is erased from: as in the kernel,
// rb_erase follows the node's own links and rewrites what they point to.
//
// Only two things differ, both where a tree is already corrupt: a NULL
// pointer the kernel would dereference is an oops here (as in the kernel),
// and a loop that would never end (a cyclic tree) is a detector stop.
#include "model/lib/rbtree.h"

#include "model/lib/rbtree_ops.h"

namespace ksmsim {

namespace {
constexpr rb_node_access access;
constexpr rb_tree_ops<rb_node_access> ops{access}; // constant-initialised: no start-up order
} // namespace

void rb_insert_color(rb_node *node, rb_root *root) {
  ops.rb_insert_color(node, root);
}
void rb_erase(rb_node *node, rb_root *root) {
  ops.rb_erase(node, root);
}
rb_node *rb_first(const rb_root *root) {
  return ops.rb_first(root);
}
rb_node *rb_last(const rb_root *root) {
  return ops.rb_last(root);
}
rb_node *rb_next(const rb_node *node) {
  return ops.rb_next(const_cast<rb_node *>(node));
}
rb_node *rb_prev(const rb_node *node) {
  return ops.rb_prev(const_cast<rb_node *>(node));
}
void rb_replace_node(rb_node *victim, rb_node *new_, rb_root *root) {
  ops.rb_replace_node(victim, new_, root);
}

} // namespace ksmsim
