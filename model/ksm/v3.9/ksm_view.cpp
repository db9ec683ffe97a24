// SPDX-License-Identifier: GPL-2.0-only
//
// The v3.9 port's state as KsmProfile's neutral view (not the kernel's).
#include <cstddef>

#include "model/ksm/v3.9/ksm.h"

namespace ksmsim {

namespace {
constexpr std::size_t MAX_WALK = 1u << 24;
}

std::vector<KsmProfile::SlotFigures> Ksm::slot_figures() const {
  std::vector<SlotFigures> out;
  const list_node *head = &ksm_mm_head.mm_list;
  std::size_t walked = 0;
  for (const list_node *n = head->next; n && n != head && walked < MAX_WALK; n = n->next) {
    // mm_list is mm_slot's first member
    const mm_slot *slot = reinterpret_cast<const mm_slot *>(n);
    SlotFigures f;
    f.mm = slot->mm;
    for (const rmap_item *item = rmap_at(slot->rmap_list); item && walked < MAX_WALK;
         item = rmap_item_next(item), walked++) {
      f.rmap_items++;
      if (item->address & STABLE_FLAG)
        f.merged++;
    }
    out.push_back(f);
    walked++;
  }
  return out;
}

std::uint64_t Ksm::stable_tree_nodes() const {
  std::uint64_t n = 0;
  for_each_stable_node([&](const stable_node *node) {
    if (in_stable_tree(node))
      n++;
  });
  return n;
}

std::uint64_t Ksm::migrate_list_nodes() const {
  std::uint64_t n = 0;
  for_each_stable_node([&](const stable_node *node) {
    if (!in_stable_tree(node) && node->head == &migrate_nodes)
      n++;
  });
  return n;
}

} // namespace ksmsim
