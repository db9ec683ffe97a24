// SPDX-License-Identifier: GPL-2.0-only
//
// Putting the KSM knobs back as found. The kernel refuses some writes while
// KSM pages exist (max_page_sharing, merge_across_nodes: EBUSY) or while a
// signal is pending (run=2: EINTR), so such a write is retried for a while;
// whatever still fails is reported, never ignored.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ksmsim::live {

using Knobs = std::vector<std::pair<std::string, std::string>>;
// Write VALUE to the knob NAME: 0 or -errno.
using KnobWriter = std::function<int(const std::string &name, const std::string &value)>;

struct KnobFailure {
  std::string knob, value;
  int err = 0;              // positive errno
  std::string text() const; // "max_page_sharing=256: EBUSY"
};

// run=2 first (unmerge what is left, so the other knobs may change), then
// every knob but run, then run. A write that gets EBUSY or EINTR is tried
// again every `pause`, for up to `busy_for` for all of them together (so a
// restore ends, whatever the kernel answers).
std::vector<KnobFailure>
restore_knobs(const Knobs &knobs, const KnobWriter &write,
              std::chrono::milliseconds busy_for = std::chrono::seconds(5),
              std::chrono::milliseconds pause = std::chrono::milliseconds(50));

} // namespace ksmsim::live
