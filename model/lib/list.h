// SPDX-License-Identifier: GPL-2.0-only
//
// include/linux/list.h's primitives on list_node, driven by
// Boost.Intrusive's algorithms: every profile's lists (the trees are the
// kernel's own rbtree, model/lib/rbtree.h). Include only where the lists
// are walked.
#pragma once

#include <boost/intrusive/circular_list_algorithms.hpp>

#include "model/lib/list_node.h"
#include "model/lib/oops.h"

namespace ksmsim {

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
// The kernel's list_del leaves LIST_POISON1/2 in next and prev; a second
// list_del (or a list_move) of the node follows them and takes a general
// protection fault (x86-64: the poisons are non-canonical): an oops in
// the caller, into which list_del is inlined (fn: the caller's name, as
// __builtin_FUNCTION gives it). Not the kernel's: the poison is NULL here,
// and the links are checked before either is followed, so the simulator
// never follows one (model/ksm/v3.9/ksm_tree.h does the same for the
// id-linked hlist).
inline void __list_del_entry(list_node *n, const char *fn) {
  if (!n->next || !n->prev)
    kernel_general_protection_fault(fn);
  clist::unlink(n);
}
inline void list_del(list_node *n, const char *fn = __builtin_FUNCTION()) {
  __list_del_entry(n, fn);
  n->next = n->prev = nullptr; // LIST_POISON1, LIST_POISON2
}
inline void list_move(list_node *n, list_node *h, const char *fn = __builtin_FUNCTION()) {
  __list_del_entry(n, fn);
  clist::link_after(h, n);
}

} // namespace ksmsim
