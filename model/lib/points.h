// SPDX-License-Identifier: GPL-2.0-only
//
// The named preemption points: where the kernel may reschedule or drops a
// lock, so that another CPU may run (scenario `interleave:`). Each name is
// "function:label"; docs/preemption-points.md describes them.
#pragma once

#include <string>
#include <vector>

namespace ksmsim {

struct PreemptionPoint {
  const char *name;
  const char *where; // where it is in the kernel's code
  const char *locks; // what the running context holds there
};

const std::vector<PreemptionPoint> &preemption_points();
bool is_preemption_point(const std::string &name);

} // namespace ksmsim
