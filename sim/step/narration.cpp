// SPDX-License-Identifier: GPL-2.0-only
#include "sim/step/narration.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

std::string Narration::subject(const Explained &e) const {
  if (e.item)
    return names_.item(e.item);
  if (e.other)
    return names_.item(e.other);
  if (e.mm)
    return names_.page(e.mm, e.addr);
  return "ksmd";
}

std::string Narration::phrase(const Explained &e) {
  // Another item than the page being scanned is named in the phrase.
  const bool other_item = e.item && current_ && e.item != current_;
  const std::string who = other_item ? names_.item(e.item) + " " : "";
  auto S = [](const stable_node *n) { return PageNames::stable(n); };
  switch (e.why) {
  case Why::page_begin:
  case Why::page_done:
    return "";
  case Why::to_migrate_nodes:
    return fmt::format("its {} is on the wrong NUMA node: moved to migrate_nodes", S(e.node));
  case Why::already_stable:
    return fmt::format("already merged into {}: nothing to do", S(e.node));
  case Why::still_stable:
    return fmt::format("it is the KSM page of {}: nothing to do", S(e.node));
  case Why::ksm_page_forked:
    last_hit_ = e.node;
    return fmt::format("already a KSM page, of {} (ksm page forked)", S(e.node));
  case Why::stable_hit:
    last_hit_ = e.node;
    return fmt::format("stable tree hit {}", S(e.node));
  case Why::stable_miss:
    return "not in the stable tree";
  case Why::stable_relinked:
    return fmt::format("{} back from migrate_nodes into the stable tree", S(e.node));
  case Why::stable_replaced:
    return fmt::format("{} takes the place of stable#{} in the stable tree", S(e.node), e.value);
  case Why::stable_dropped:
    return fmt::format("equal {} is on the wrong NUMA node: moved to migrate_nodes", S(e.node));
  case Why::merge_result: {
    const stable_node *node = e.pg ? k_.page_stable_node(e.pg) : nullptr;
    if (e.value)
      return fmt::format("{}merge {} failed (-{})", who,
                         e.pg ? fmt::format("into pfn {}", k_.page_to_pfn(e.pg))
                              : "as a new KSM page",
                         errno_name(static_cast<int>(e.value)));
    if (other_item || !node)
      return ""; // the new KSM page is narrated by stable_tree_insert
    return node == last_hit_ ? "merged" : fmt::format("merged into {}", S(node));
  }
  case Why::volatile_page:
    if (e.item->oldchecksum == 0)
      return fmt::format("checksum {:08x} taken for the first time: volatile, skipped",
                         std::uint32_t(e.value));
    return fmt::format("checksum {:08x} changed from {:08x}: volatile, skipped",
                       std::uint32_t(e.value), e.item->oldchecksum);
  case Why::checksum_same:
    return "checksum unchanged";
  case Why::unstable_hit:
    return fmt::format("unstable tree hit {}", names_.item(e.other));
  case Why::unstable_inserted:
    return fmt::format("{}inserted into the unstable tree of node {}", who, e.value);
  case Why::unstable_same_page:
    return fmt::format("{} in the unstable tree maps this same page (forked): not merged",
                       names_.item(e.other));
  case Why::unstable_gone:
    return fmt::format("{} in the unstable tree is no longer mergeable: search stopped",
                       names_.item(e.other));
  case Why::unstable_other_node:
    return fmt::format("equal {} has migrated to another node: not merged", names_.item(e.other));
  case Why::stable_inserted:
    return fmt::format("merged into new KSM page {}", S(e.node));
  case Why::stable_insert_equal:
    return fmt::format("not inserted: {} already holds that content", S(e.node));
  case Why::break_cow:
    return fmt::format("break_cow {}", names_.item(e.item));
  case Why::removed_stable:
    return fmt::format("{}taken off {}", who, S(e.node));
  case Why::removed_unstable:
    if (e.value) // age 1: that tree was reset at this scan's start, no rb_erase
      return fmt::format("{}no longer counted in last scan's unstable tree", who);
    return fmt::format("{}taken out of this scan's unstable tree", who);
  case Why::stale_node:
    return fmt::format("{} is stale (its page is gone): removed from the stable tree", S(e.node));
  case Why::wp_copy: {
    if (!e.pg || !Kernel::PageKsm(e.pg))
      return ""; // only a KSM page's COW break is news here
    const stable_node *node = k_.page_stable_node(e.pg);
    pte_t *ptep = k_.pte_offset(const_cast<mm_struct *>(e.mm), e.addr, false);
    return fmt::format("write to KSM page pfn {}{}: COW broken, now pfn {}", k_.page_to_pfn(e.pg),
                       node ? " of " + S(node) : "", ptep ? pte_pfn(*ptep) : 0);
  }
  }
  return "";
}

void Narration::note(const Explained &e) {
  if (e.why == Why::page_begin) {
    current_ = e.item;
    current_depth_ = k_.nested_depth;
    current_name_ = names_.item(e.item);
    phrases_.clear();
    last_hit_ = nullptr;
    return;
  }
  if (e.why == Why::page_done) {
    sink_(fmt::format("{}: {}", current_name_,
                      phrases_.empty() ? "nothing to do"
                                       : fmt::format("{}", fmt::join(phrases_, ", "))));
    current_ = nullptr;
    phrases_.clear();
    return;
  }
  std::string p = phrase(e);
  if (p.empty())
    return;
  // Another CPU's step at a preemption point inside this page's scan tells
  // its own story.
  if (current_ && k_.nested_depth == current_depth_)
    phrases_.push_back(std::move(p));
  else if (!e.item && !e.other && !e.mm)
    sink_(p); // about a stable node, which the phrase names first
  else
    sink_(fmt::format("{}: {}", subject(e), p));
}

} // namespace ksmsim
