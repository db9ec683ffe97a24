// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel's rbtree and list primitives on ksm_types.h's links, driven by
// Boost.Intrusive's algorithms. Include only where the trees are walked.
#pragma once

#include <boost/intrusive/circular_list_algorithms.hpp>
#include <boost/intrusive/rbtree_algorithms.hpp>

#include "model/ksm/v3.9/ksm_types.h"

namespace ksmsim {

struct rb_traits {
  using node = rb_node;
  using node_ptr = rb_node *;
  using const_node_ptr = const rb_node *;
  using color = std::uintptr_t;
  static node_ptr get_parent(const_node_ptr n) {
    return reinterpret_cast<node_ptr>(n->parent_color & ~std::uintptr_t(1));
  }
  static void set_parent(node_ptr n, node_ptr p) {
    n->parent_color = reinterpret_cast<std::uintptr_t>(p) | (n->parent_color & 1);
  }
  static node_ptr get_left(const_node_ptr n) { return n->left; }
  static void set_left(node_ptr n, node_ptr l) { n->left = l; }
  static node_ptr get_right(const_node_ptr n) { return n->right; }
  static void set_right(node_ptr n, node_ptr r) { n->right = r; }
  static color get_color(const_node_ptr n) { return n->parent_color & 1; }
  static void set_color(node_ptr n, color c) {
    n->parent_color = (n->parent_color & ~std::uintptr_t(1)) | c;
  }
  static color black() { return 1; } // RB_BLACK
  static color red() { return 0; }   // RB_RED
};
using rbtree = boost::intrusive::rbtree_algorithms<rb_traits>;

struct list_traits {
  using node = list_node;
  using node_ptr = list_node *;
  using const_node_ptr = const list_node *;
  static node_ptr get_next(const_node_ptr n) { return n->next; }
  static void set_next(node_ptr n, node_ptr x) { n->next = x; }
  static node_ptr get_previous(const_node_ptr n) { return n->prev; }
  static void set_previous(node_ptr n, node_ptr x) { n->prev = x; }
};
using clist = boost::intrusive::circular_list_algorithms<list_traits>;

inline void INIT_LIST_HEAD(list_node *h) {
  clist::init_header(h);
}
inline bool list_empty(const list_node *h) {
  return h->next == h;
}
inline void list_add(list_node *n, list_node *h) {
  clist::link_after(h, n);
}
inline void list_add_tail(list_node *n, list_node *h) {
  clist::link_before(h, n);
}
inline void list_del(list_node *n) {
  clist::unlink(n);
  n->next = n->prev = nullptr;
}
inline void list_move(list_node *n, list_node *h) {
  clist::unlink(n);
  clist::link_after(h, n);
}

// rb_link_node + rb_insert_color: link node below parent (nullptr: as the
// root), on the left or right, then rebalance.
inline void rb_link_and_insert(rb_root *root, rb_node *parent, bool left, rb_node *node) {
  rbtree::insert_commit_data data;
  data.link_left = left;
  data.node = parent ? parent : &root->header;
  rbtree::insert_unique_commit(&root->header, node, data);
}

// *dst = *src for struct rb_root: dst takes src's tree (the kernel copies
// the root pointer; Boost's root also points back at its header).
inline void rb_root_assign(rb_root *dst, const rb_root *src) {
  dst->header = src->header;
  if (rb_node *root = rb_traits::get_parent(&src->header))
    rb_traits::set_parent(root, &dst->header);
  else
    rbtree::init_header(&dst->header);
}

} // namespace ksmsim
