// SPDX-License-Identifier: GPL-2.0-only
#include "sim/step/page_names.h"

#include "model/mm/kernel.h"
#include "sim/inspect/names.h"

namespace ksmsim {

std::vector<NamedRegion> PageNames::regions() const {
  if (!source_)
    return {};
  return source_();
}

ScenarioNames PageNames::scenario_names() const {
  ScenarioNames sn;
  for (const NamedRegion &r : regions())
    sn.vmas[r.mm].push_back({r.vma, r.start, r.pages});
  return sn;
}

// The names are sim/inspect's (names.h), so the narration, the dumps and
// the trace's name map say the same.
std::string PageNames::page(const mm_struct *mm, std::uint64_t addr) const {
  return address_name(scenario_names(), mm ? mm->name : "?", addr & PAGE_MASK);
}

std::string PageNames::item(const rmap_item *item) const {
  return rmap_item_name(scenario_names(), *item);
}

std::string PageNames::stable(const stable_node *node) {
  return stable_node_name(*node);
}

} // namespace ksmsim
