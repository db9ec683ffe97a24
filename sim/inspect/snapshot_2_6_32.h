// SPDX-License-Identifier: GPL-2.0-only
//
// The picture of the 2.6.32 seed's KSM state (model/ksm/v2.6.32/): its
// stable tree of rmap_items, each node heading the list (next/prev) of the
// rmap_items that share its KSM page; its unstable tree; the mm_slots with
// their rmap_lists and the scan cursor. No stable_node and no
// migrate_nodes exist there: the snapshot has none.
#pragma once

#include <cstddef>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

namespace v2_6_32 {
class Ksm;
}

KsmSnapshot take_snapshot_2_6_32(const Kernel &k, const v2_6_32::Ksm &ksm,
                                 const ScenarioNames &names, std::size_t max_nodes);

} // namespace ksmsim
