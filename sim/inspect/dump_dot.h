// SPDX-License-Identifier: GPL-2.0-only
//
// The KSM state as a Graphviz digraph: each tree keeps its shape (left
// child before right, an invisible placeholder for a missing one), red and
// black nodes are filled so, stale nodes are dashed and grey, and the scan
// cursor (its mm_slot and the rmap_item scanned next) is drawn in blue.
#pragma once

#include <cstddef>
#include <string>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

struct DotLimits {
  std::size_t tree_nodes = 255; // per tree; more are left out (and said so)
  std::size_t list_items = 64;  // per rmap_list and per stable_node's hlist label
  std::size_t label_items = 6;  // rmap_item names listed in a stable_node's label
};

std::string dump_dot(const KsmSnapshot &s, const DotLimits &limits = {});

} // namespace ksmsim
