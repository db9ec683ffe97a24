// SPDX-License-Identifier: GPL-2.0-only
//
// ksmd's CPU time under a cost model: per batch its start and cost, summed
// over the run and per full scan, and the times pages_sharing first reached
// a new high (for the time to reach a share of its final value). Kept by
// the engine (sim/run/engine.h); read by the report and the timeline.
#pragma once

#include <cstdint>
#include <vector>

#include "model/ksm/v3.9/ksm_ops.h"

namespace ksmsim {

struct FullScanCost {
  std::uint64_t end_us = 0;  // when the batch that completed it ended
  std::uint64_t cpu_ps = 0;  // ksmd's busy time since the previous full scan ended
  std::uint64_t batches = 0; // batches since then (the completing one included)
  KsmOps ops;                // what those batches did
};

struct KsmdBusy {
  std::uint64_t cpu_ps = 0;  // all batches
  std::uint64_t batches = 0; // batches run
  bool any = false;
  std::uint64_t first_batch_us = 0, last_end_us = 0;
  std::vector<FullScanCost> full_scans;
  // (time, value): each time pages_sharing passed its highest value so far.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sharing_highs;

  // A batch that began at start_us, cost cost_ps and did after - before;
  // returns the time it ends. pages_sharing is the value after it.
  std::uint64_t add_batch(std::uint64_t start_us, std::uint64_t cost_ps, const KsmOps &before,
                          const KsmOps &after, std::uint64_t pages_sharing);

  // The first time pages_sharing reached percent % of final (rounded up:
  // at least ceil(final * percent / 100)); false if it never did or final is 0.
  bool time_to_reach(std::uint64_t final, unsigned percent, std::uint64_t *t_us) const;

  // What the batches since the last full scan did.
  const KsmOps &tail_ops() const { return current_.ops; }
  std::uint64_t tail_cpu_ps() const { return current_.cpu_ps; }

private:
  FullScanCost current_;
};

} // namespace ksmsim
