// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/counters.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr const char *SYSFS_COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared",
                                          "pages_volatile", "full_scans"};
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
  out.emplace_back("stable_nodes", k.ksm.stable_tree_nodes());
  out.emplace_back("migrate_nodes", k.ksm.migrate_list_nodes());
  out.emplace_back("rmap_items", k.ksm.rmap_items());
  return out;
}

std::vector<MmFigures> mm_figures(const Kernel &k) {
  std::vector<MmFigures> out;
  for (const KsmProfile::SlotFigures &f : k.ksm.slot_figures())
    out.push_back({f.mm ? f.mm->name : "", f.rmap_items, f.merged});
  return out;
}

} // namespace ksmsim
