// SPDX-License-Identifier: GPL-2.0-only
#include "sim/cost/ksmd_busy.h"

namespace ksmsim {

std::uint64_t KsmdBusy::add_batch(std::uint64_t start_us, std::uint64_t cost_ps,
                                  const KsmOps &before, const KsmOps &after,
                                  std::uint64_t pages_sharing) {
  if (!any) {
    any = true;
    first_batch_us = start_us;
  }
  // Whole microseconds of the running total, so that no picosecond is lost.
  std::uint64_t end_us = start_us + ((cpu_ps + cost_ps) / 1'000'000 - cpu_ps / 1'000'000);
  cpu_ps += cost_ps;
  batches++;
  last_end_us = end_us;
  current_.cpu_ps += cost_ps;
  current_.batches++;
  for (const KsmOpField &f : KSM_OP_FIELDS)
    current_.ops.*f.field += after.*f.field - before.*f.field;
  if (after.full_scans != before.full_scans) {
    current_.end_us = end_us;
    full_scans.push_back(current_);
    current_ = FullScanCost{};
  }
  if (sharing_highs.empty() ? pages_sharing > 0 : pages_sharing > sharing_highs.back().second)
    sharing_highs.emplace_back(end_us, pages_sharing);
  return end_us;
}

bool KsmdBusy::time_to_reach(std::uint64_t final, unsigned percent, std::uint64_t *t_us) const {
  if (final == 0)
    return false;
  std::uint64_t want = (final * percent + 99) / 100;
  for (const auto &[t, v] : sharing_highs)
    if (v >= want) {
      *t_us = t;
      return true;
    }
  return false;
}

} // namespace ksmsim
