// SPDX-License-Identifier: GPL-2.0-only
//
// What the port does, counted: one plain field per operation, incremented
// where the kernel does it (cumulative over the run; the engine takes the
// difference over a ksmd batch and prices it with a cost model,
// sim/cost/cost_model.h). Where a shortcut of the simulator stands in for a
// kernel operation (rmap_item::seen_*), the kernel's operation is counted, so
// the counts do not depend on --no-shortcuts.
#pragma once

#include <cstdint>

namespace ksmsim {

struct KsmOps {
  std::uint64_t pages_scanned = 0;   // ksm_do_scan iterations that got an rmap_item
  std::uint64_t follow_page = 0;     // follow_page calls by ksm.c
  std::uint64_t checksums = 0;       // calc_checksum (jhash2 over the page)
  std::uint64_t memcmp_calls = 0;    // memcmp_pages
  std::uint64_t memcmp_bytes = 0;    // bytes memcmp_pages compared (first difference + 1, or 4096)
  std::uint64_t stable_levels = 0;   // stable tree nodes visited (search and insert)
  std::uint64_t unstable_levels = 0; // unstable tree nodes visited
  std::uint64_t write_protects = 0;  // write_protect_page
  std::uint64_t replace_pages = 0;   // replace_page
  std::uint64_t rmap_allocs = 0;     // alloc_rmap_item
  std::uint64_t rmap_frees = 0;      // free_rmap_item
  std::uint64_t stable_allocs = 0;   // alloc_stable_node
  std::uint64_t mm_slots = 0;        // mm_slots scan_get_next_rmap_item finished (moved past)
  std::uint64_t cond_rescheds = 0;   // cond_resched in ksm_do_scan's loop
  std::uint64_t full_scans = 0;      // scans that reached the end of the mm list
  // Set by a run with a cost model: memcmp_pages also works out how many
  // bytes it compared (a second, cheap look at the two contents).
  bool count_bytes = false;
};

// The counters in declaration order, with their names (the cost file's keys).
struct KsmOpField {
  const char *name;
  std::uint64_t KsmOps::*field;
};
inline constexpr KsmOpField KSM_OP_FIELDS[] = {
    {"pages_scanned", &KsmOps::pages_scanned},
    {"follow_page", &KsmOps::follow_page},
    {"checksums", &KsmOps::checksums},
    {"memcmp_calls", &KsmOps::memcmp_calls},
    {"memcmp_bytes", &KsmOps::memcmp_bytes},
    {"stable_levels", &KsmOps::stable_levels},
    {"unstable_levels", &KsmOps::unstable_levels},
    {"write_protects", &KsmOps::write_protects},
    {"replace_pages", &KsmOps::replace_pages},
    {"rmap_allocs", &KsmOps::rmap_allocs},
    {"rmap_frees", &KsmOps::rmap_frees},
    {"stable_allocs", &KsmOps::stable_allocs},
    {"mm_slots", &KsmOps::mm_slots},
    {"cond_rescheds", &KsmOps::cond_rescheds},
    {"full_scans", &KsmOps::full_scans},
};
inline constexpr int KSM_OP_COUNT = sizeof(KSM_OP_FIELDS) / sizeof(KSM_OP_FIELDS[0]);

} // namespace ksmsim
