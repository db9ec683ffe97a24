// SPDX-License-Identifier: GPL-2.0-only
//
// The picture of the 6.15 port's KSM state (model/ksm/v6.15/): its stable
// trees, whose nodes are plain stable_nodes or chains (rmap_hlist_len
// STABLE_NODE_CHAIN, the hlist listing the chain's dups, each dup with its
// own hlist of rmap_items and rmap_hlist_len); migrate_nodes; the unstable
// trees; the mm_slots with their rmap_lists, /proc/PID/ksm_stat's figures
// and the scan cursor; the counters with the 6.x files.
#pragma once

#include <cstddef>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

namespace v6_15 {
class Ksm;
}

KsmSnapshot take_snapshot_6_15(const Kernel &k, const v6_15::Ksm &ksm, const ScenarioNames &names,
                               std::size_t max_nodes);

} // namespace ksmsim
