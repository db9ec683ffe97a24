// SPDX-License-Identifier: GPL-2.0-only
//
// What a cost model makes of a run (docs/cost-model.md): ksmd's CPU time and
// CPU% (busy time over elapsed time, as 6.x's scan-time advisor computes
// it), pages scanned per second, the time pages_sharing first reached 50%,
// 90% and 100% of its final value, and the memory saved as 6.x's
// general_profit: pages_sharing x PAGE_SIZE - rmap_items x sizeof(rmap_item)
// (64 bytes). Only for a run with a cost model: without one, nothing here
// reaches an output.
#pragma once

#include <cstdint>
#include <string>

#include "sim/cost/cost_model.h"
#include "sim/cost/ksmd_busy.h"
#include "sim/report/json_text.h"

namespace ksmsim {

inline constexpr std::int64_t RMAP_ITEM_BYTES = 64; // the kernel's sizeof(struct ksm_rmap_item)

std::int64_t general_profit(std::uint64_t pages_sharing, std::uint64_t rmap_items);
// busy / elapsed x 100, in hundredths of a percent (rounded down); 0 when elapsed is 0.
std::uint64_t cpu_percent_x100(std::uint64_t busy_ps, std::uint64_t elapsed_us);
// "12.34"
std::string percent_text(std::uint64_t x100);

struct CostFinal {
  std::uint64_t pages_sharing = 0, rmap_items = 0;
};

// The summary's lines (each ending in a newline).
std::string cost_summary(const CostModel &m, const KsmdBusy &b, const CostFinal &f);
// The --json document's "cost" member.
ojson cost_json(const CostModel &m, const KsmdBusy &b, const CostFinal &f);

} // namespace ksmsim
