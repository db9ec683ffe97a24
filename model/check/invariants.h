// SPDX-License-Identifier: GPL-2.0-only
//
// The model's own consistency checks: KSM's counters agree with its trees,
// every KSM page's stable_node is alive and points back to it, rmap_item
// flags match tree membership, mapcounts match the ptes, no pte maps a
// freed page, and swap counts match the swap ptes.
#pragma once

#include <string>
#include <vector>

namespace ksmsim {

class Kernel;
class TouchLog;

class InvariantChecker {
public:
  // Each violation is one line: "check: what was found".
  static std::vector<std::string> check(Kernel &k);
  // The same after a step that made log's changes, when the machine passed
  // check (or check_touched) before it: the KSM checks in full if the port
  // was entered since (KsmProfile::entries), the frames the step touched
  // only (the whole machine if the log is full()).
  static std::vector<std::string> check_touched(Kernel &k, const TouchLog &log);
};

} // namespace ksmsim
