// SPDX-License-Identifier: GPL-2.0-only
//
// What is legal in the seed differs from v3.9: a KSM page's mapping holds
// no pointer (no stable_node), and a KSM page may be mapped by ptes whose
// rmap_items are in no tree (forked, or left after their node went); such
// pages are not flagged. What must hold: each stable tree node is a live
// rmap_item with NODE_FLAG|STABLE_FLAG, its list's items have STABLE_FLAG
// only and link back (prev), ksm_pages_shared counts the nodes and
// ksm_pages_sharing every item of every list, nodes included.
#include "model/check/invariants_2_6_32.h"

#include <fmt/format.h>

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
  // Every STABLE_FLAG rmap_item of an mm_slot is counted in the tree.
  unsigned long flagged = 0;
  for (const KsmProfile::SlotFigures &f : ksm.slot_figures())
    flagged += f.merged;
  if (flagged != items)
    fail(fmt::format("counters: {} rmap_items have STABLE_FLAG but the stable tree lists {}",
                     flagged, items));
}

} // namespace ksmsim::v2_6_32
