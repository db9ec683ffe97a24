// SPDX-License-Identifier: GPL-2.0-only
//
// The KSM state as text for a terminal: counters, each stable tree (shape,
// colours, each node's rmap_items), migrate_nodes, each unstable tree, the
// mm_slot list with the scan cursor, and per mm its rmap_list.
#pragma once

#include <string>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

std::string dump_text(const KsmSnapshot &s);

} // namespace ksmsim
