// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/counters.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr const char *SYSFS_COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared",
                                          "pages_volatile", "full_scans"};
// 6.x's files (6.15 mm/ksm.c ksm_attrs), after the node counts so that the
// columns every profile has keep their places.
constexpr const char *SYSFS_COUNTERS_6X[] = {"pages_scanned",    "pages_skipped",
                                             "ksm_zero_pages",   "stable_node_chains",
                                             "stable_node_dups", "general_profit"};
// The port keeps a migrate_nodes list (v3.9 and later; not the seed).
bool has_migrate_nodes(const Kernel &k) {
  return k.ksm.has_sysfs_file("merge_across_nodes");
}
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

std::vector<std::string> ksm_counter_names(const Kernel &k) {
  std::vector<std::string> names;
  for (const auto &[name, value] : ksm_counters(k))
    names.push_back(name);
  return names;
}

Counters ksm_counters(const Kernel &k) {
  Counters out;
  // sysfs_show gives a %ld file as its two's complement: back to signed.
  auto file = [&](const char *name) {
    std::uint64_t v = 0;
    if (k.ksm.sysfs_show(name, &v))
      out.emplace_back(name, static_cast<std::int64_t>(v));
  };
  for (const char *name : SYSFS_COUNTERS)
    file(name);
  out.emplace_back("stable_nodes", k.ksm.stable_tree_nodes());
  if (has_migrate_nodes(k))
    out.emplace_back("migrate_nodes", k.ksm.migrate_list_nodes());
  out.emplace_back("rmap_items", k.ksm.rmap_items());
  for (const char *name : SYSFS_COUNTERS_6X)
    file(name);
  return out;
}

std::vector<MmFigures> mm_figures(const Kernel &k) {
  std::vector<MmFigures> out;
  for (const KsmProfile::SlotFigures &f : k.ksm.slot_figures())
    out.push_back({f.mm ? f.mm->name : "", f.rmap_items, f.merged});
  return out;
}

} // namespace ksmsim
