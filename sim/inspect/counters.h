// SPDX-License-Identifier: GPL-2.0-only
//
// The figures a checkpoint, a timeline row and a dump record: the
// /sys/kernel/mm/ksm counters, how many stable_nodes are in the stable
// trees and on migrate_nodes, and per mm its rmap_items and merged pages.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ksmsim {

class Kernel;

// Signed: 6.x's general_profit and ksm_zero_pages are longs (%ld).
using Counters = std::vector<std::pair<std::string, std::int64_t>>;

// pages_shared, pages_sharing, pages_unshared, pages_volatile, full_scans,
// stable_nodes (in a stable tree), migrate_nodes, rmap_items (ksm_rmap_items),
// then the 6.x files: pages_scanned, pages_skipped, ksm_zero_pages,
// stable_node_chains, stable_node_dups, general_profit. Only what the
// profile has: a sysfs file it lacks is absent, not 0 (v2.6.32: no
// pages_unshared, pages_volatile, full_scans, migrate_nodes; v3.9: none of
// the 6.x files).
Counters ksm_counters(const Kernel &k);
// "pages_shared 1, pages_sharing 3, ..."
std::string counters_text(const Counters &c);
// The names ksm_counters gives on k's profile, in its order.
std::vector<std::string> ksm_counter_names(const Kernel &k);
// The names ksm_counters gives on v3.9 (every profile's superset before 6.x).
std::vector<std::string> ksm_counter_names();

struct MmFigures {
  std::string mm;
  std::uint64_t rmap_items = 0; // /proc/PID/ksm_stat's ksm_rmap_items
  std::uint64_t merged = 0;     // its STABLE rmap_items
};
// Per mm on the mm_slot list, in the list's order (bounded).
std::vector<MmFigures> mm_figures(const Kernel &k);

} // namespace ksmsim
