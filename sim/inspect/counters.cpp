// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/counters.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr const char *SYSFS_COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared",
                                          "pages_volatile", "full_scans"};
constexpr std::size_t MAX_WALK = 1u << 24;
} // namespace

std::vector<std::string> ksm_counter_names() {
  std::vector<std::string> names(std::begin(SYSFS_COUNTERS), std::end(SYSFS_COUNTERS));
  names.insert(names.end(), {"stable_nodes", "migrate_nodes", "rmap_items"});
  return names;
}

std::string counters_text(const Counters &c) {
  std::string out;
  for (const auto &[name, value] : c)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, value);
  return out;
}

Counters ksm_counters(const Kernel &k) {
  Counters out;
  for (const char *name : SYSFS_COUNTERS) {
    std::uint64_t v = 0;
    k.ksm.sysfs_show(name, &v);
    out.emplace_back(name, v);
  }
  std::uint64_t in_tree = 0, migrating = 0;
  k.ksm.for_each_stable_node([&](const stable_node *node) {
    if (k.ksm.in_stable_tree(node))
      in_tree++;
    else if (node->head == &k.ksm.migrate_nodes)
      migrating++;
  });
  out.emplace_back("stable_nodes", in_tree);
  out.emplace_back("migrate_nodes", migrating);
  out.emplace_back("rmap_items", k.ksm.ksm_rmap_items);
  return out;
}

std::vector<MmFigures> mm_figures(const Kernel &k) {
  std::vector<MmFigures> out;
  const list_node *head = &k.ksm.ksm_mm_head.mm_list;
  std::size_t walked = 0;
  for (const list_node *n = head->next; n && n != head && walked < MAX_WALK; n = n->next) {
    // mm_list is mm_slot's first member
    const mm_slot *slot = reinterpret_cast<const mm_slot *>(n);
    MmFigures f;
    f.mm = slot->mm ? slot->mm->name : "";
    for (const rmap_item *item = slot->rmap_list; item && walked < MAX_WALK;
         item = item->rmap_list, walked++) {
      f.rmap_items++;
      if (item->address & STABLE_FLAG)
        f.merged++;
    }
    out.push_back(std::move(f));
    walked++;
  }
  return out;
}

} // namespace ksmsim
