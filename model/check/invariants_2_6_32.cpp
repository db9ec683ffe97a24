// SPDX-License-Identifier: GPL-2.0-only
//
// What is legal in the seed differs from v3.9: a KSM page's mapping holds
// no pointer (no stable_node), and a KSM page may be mapped by ptes whose
// rmap_items are in no tree (forked, or left after their node went); such
// pages are not flagged. What must hold: each stable tree node is a live
// rmap_item with NODE_FLAG|STABLE_FLAG, its list's items have STABLE_FLAG
// only and link back (prev), ksm_pages_shared counts the nodes and
// ksm_pages_sharing every item of every list, nodes included. While a full
// scan runs (the cursor is not at ksm_mm_head) the unstable tree is the one
// it builds: its nodes are live rmap_items with NODE_FLAG alone, inserted by
// this scan (age 0). Between scans the last scan's tree is left as it is:
// its items may be freed (remove_rmap_item_from_tree skips the rb_erase of
// an item of age 1) and nothing reads it before the next scan resets
// root_unstable_tree. Every rmap_item of age 0 is in the tree: remove_
// rmap_item_from_tree rb_erases those.
#include "model/check/invariants_2_6_32.h"

#include <fmt/format.h>

#include <unordered_set>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/mm/kernel.h"

namespace ksmsim::v2_6_32 {
void check_ksm(Ksm &ksm, std::vector<std::string> &out);
}

namespace ksmsim {
void check_ksm_2_6_32(v2_6_32::Ksm &ksm, std::vector<std::string> &out) {
  v2_6_32::check_ksm(ksm, out);
}
} // namespace ksmsim

namespace ksmsim::v2_6_32 {

void check_ksm(Ksm &ksm, std::vector<std::string> &out) {
  auto fail = [&](const std::string &what) {
    if (out.size() < 20)
      out.push_back(what);
  };
  unsigned long nodes = 0, items = 0;
  const unsigned long LIMIT = 1ul << 24;
  for (rb_node *n = rb_first(&ksm.root_stable_tree); n && nodes < LIMIT; n = rb_next(n)) {
    rmap_item *node = rmap_of_node(n);
    nodes++;
    if (!node->mm)
      fail(fmt::format("stable tree: node rmap_item#{} is freed", node->id));
    if ((node->address & (NODE_FLAG | STABLE_FLAG)) != (NODE_FLAG | STABLE_FLAG))
      fail(fmt::format("stable tree: node rmap_item#{} lacks NODE_FLAG|STABLE_FLAG", node->id));
    rmap_item *prev = node;
    for (rmap_item *i = node; i && items < LIMIT; prev = i, i = i->next) {
      items++;
      if (i != node) {
        if ((i->address & (NODE_FLAG | STABLE_FLAG)) != STABLE_FLAG)
          fail(fmt::format("stable tree: list item rmap_item#{} flags {:#x}", i->id,
                           i->address & ~PAGE_MASK));
        if (i->prev != prev)
          fail(
              fmt::format("stable tree: rmap_item#{}'s prev is not rmap_item#{}", i->id, prev->id));
        if (!i->mm)
          fail(fmt::format("stable tree: list item rmap_item#{} is freed", i->id));
      }
    }
  }
  if (nodes != ksm.ksm_pages_shared || items != ksm.ksm_pages_sharing)
    fail(fmt::format("counters: ksm_pages_shared {} ksm_pages_sharing {} but the stable tree has "
                     "{} nodes and {} rmap_items",
                     ksm.ksm_pages_shared, ksm.ksm_pages_sharing, nodes, items));
  // The unstable tree, when a scan is building it.
  const bool scanning = ksm.ksm_scan.mm_slot != &ksm.ksm_mm_head;
  unsigned long unstable = 0;
  std::unordered_set<const rb_node *> in_unstable; // membership only: never iterated
  for (rb_node *n = scanning ? rb_first(&ksm.root_unstable_tree) : nullptr; n && unstable < LIMIT;
       n = rb_next(n)) {
    rmap_item *item = rmap_of_node(n);
    unstable++;
    in_unstable.insert(n);
    if (!item->mm)
      fail(fmt::format("unstable tree: rmap_item#{} is freed", item->id));
    if ((item->address & (NODE_FLAG | STABLE_FLAG)) != NODE_FLAG)
      fail(fmt::format("unstable tree: rmap_item#{} flags {:#x}, not NODE_FLAG alone", item->id,
                       item->address & ~PAGE_MASK));
    else if (static_cast<unsigned char>(ksm.ksm_scan.seqnr - item->address) != 0)
      fail(fmt::format("unstable tree: rmap_item#{} of seqnr {} was not inserted by this scan "
                       "(seqnr {})",
                       item->id, item->address & SEQNR_MASK, ksm.ksm_scan.seqnr));
  }
  for (const list_node *l = ksm.ksm_mm_head.mm_list.next; l != &ksm.ksm_mm_head.mm_list;
       l = l->next) {
    const mm_slot *slot = reinterpret_cast<const mm_slot *>(l);
    for (const list_node *r = slot->rmap_list.next; r != &slot->rmap_list; r = r->next) {
      const rmap_item *item = reinterpret_cast<const rmap_item *>(r);
      if ((item->address & (NODE_FLAG | STABLE_FLAG)) != NODE_FLAG ||
          static_cast<unsigned char>(ksm.ksm_scan.seqnr - item->address) != 0)
        continue;
      const bool found = in_unstable.count(&item->node) != 0;
      if (!found)
        fail(fmt::format("unstable tree: rmap_item#{} has NODE_FLAG of this scan (seqnr {}) but "
                         "is not in root_unstable_tree: remove_rmap_item_from_tree would rb_erase "
                         "it",
                         item->id, item->address & SEQNR_MASK));
    }
  }
  // Every STABLE_FLAG rmap_item of an mm_slot is counted in the tree.
  unsigned long flagged = 0;
  for (const KsmProfile::SlotFigures &f : ksm.slot_figures())
    flagged += f.merged;
  if (flagged != items)
    fail(fmt::format("counters: {} rmap_items have STABLE_FLAG but the stable tree lists {}",
                     flagged, items));
}

} // namespace ksmsim::v2_6_32
