// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel's list primitives (model/lib/list.h) and the hlist ones on
// rmap_item ids (the trees are the kernel's own rbtree, model/lib/rbtree.h
// and model/lib/rbtree_ops.h). Include only where the lists are walked.
#pragma once

#include "model/ksm/v3.9/ksm_types.h"
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/lib/list.h"
#include "model/lib/oops.h"

namespace ksmsim {

// include/linux/list.h's hlist, with ids (hlist_node_id). A pprev of 0 is
// &h->first; the kernel's pprev reaches the head without being told it,
// so hlist_del is given the list n is on (n's stable_node's hlist).
inline bool hlist_empty(const hlist_head_id *h) {
  return !h->first;
}
inline void hlist_add_head(const RmapArena &a, rmap_item *n, hlist_head_id *h) {
  const std::uint32_t first = h->first;
  n->hlist.next = first;
  if (first)
    a.at(first)->hlist.pprev = RmapArena::id_of(n); // first->pprev = &n->next
  h->first = RmapArena::id_of(n);
  n->hlist.pprev = 0; // &h->first
}
// Not the kernel's: the kernel follows next and pprev wherever they point;
// here a link that names no rmap_item handed out (hlist_del's poison, after
// a second hlist_del of one item) is where the kernel's dereference of
// LIST_POISON2 (*pprev = next) or LIST_POISON1 (next->pprev) takes a
// general protection fault (x86-64: the poisons are non-canonical): an
// oops, not a detector report, since the kernel itself faults there and
// its log shows it. In fn: hlist_del is inlined into its caller, so the
// oops's RIP is there. Both links are checked before either is written,
// where the kernel would have written *pprev = next before faulting on
// next: so no list ever holds a poison, and the run stops at the oops.
// Never a read outside the arena.
inline void __hlist_del(const RmapArena &a, rmap_item *n, hlist_head_id *h, const char *fn) {
  const std::uint32_t next = n->hlist.next;
  const std::uint32_t pprev = n->hlist.pprev;
  if (pprev > a.allocated()) // *pprev: LIST_POISON2
    kernel_general_protection_fault(fn);
  if (next > a.allocated()) // next->pprev: LIST_POISON1
    kernel_general_protection_fault(fn);
  if (pprev) // *pprev = next
    a.at(pprev)->hlist.next = next;
  else
    h->first = next;
  if (next)
    a.at(next)->hlist.pprev = pprev;
}
inline void hlist_del(const RmapArena &a, rmap_item *n, hlist_head_id *h, const char *fn) {
  __hlist_del(a, n, h, fn);
  n->hlist.next = HLIST_ID_POISON1;
  n->hlist.pprev = HLIST_ID_POISON2;
}

} // namespace ksmsim
