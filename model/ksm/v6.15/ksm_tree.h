// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel's list primitives on ksm_types.h's links, driven by
// Boost.Intrusive's algorithms (the trees are the kernel's own rbtree,
// model/lib/rbtree.h). Include only where the lists are walked.
#pragma once

#include <boost/intrusive/circular_list_algorithms.hpp>

#include "model/ksm/v6.15/ksm_types.h"

namespace ksmsim::v6_15 {

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
  n->next = n->prev = nullptr; // the kernel poisons them (LIST_POISON1/2): both fault if followed
}
inline void list_move(list_node *n, list_node *h) {
  clist::unlink(n);
  clist::link_after(h, n);
}

} // namespace ksmsim::v6_15
