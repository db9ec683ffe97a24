// SPDX-License-Identifier: GPL-2.0-only
//
// Counters over time: a row of figures (sim/inspect/counters.h) with the
// virtual time and the step, taken after a ksmd batch, at a `sample:` step
// or at a checkpoint; written as CSV (a column per counter, then per mm
// name its rmap_items and merged) or JSON Lines (per mm an object).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/inspect/counters.h"
#include "sim/report/json_text.h"

namespace ksmsim {

struct TimelineRow {
  std::uint64_t time_us = 0;
  int step = 0;
  int line = 0;      // of the step, for checkpoints; 0 for a batch
  std::string kind;  // "batch", "sample", "expect", "dump"
  std::string label; // a sample's label
  Counters counters;
  std::vector<MmFigures> mms;
  // With a cost model (docs/cost-model.md): ksmd's CPU time so far and the
  // pages it has scanned; the writers add ksmd_cpu_ns, ksmd_cpu_percent
  // (over the time since the previous row), pages_scanned_per_s and
  // general_profit columns when any row has them.
  bool costed = false;
  std::uint64_t ksmd_cpu_ns = 0, pages_scanned = 0;
};

TimelineRow timeline_row(const Kernel &k, std::string kind);

// Columns: time_us, step, kind, label, the counters, then `MM.rmap_items`
// and `MM.merged` for every mm seen in any row (in the order first seen);
// a mm absent from a row leaves its cells empty.
std::string timeline_csv(const std::vector<TimelineRow> &rows);
// One JSON object a line: {"time_us", "step", "kind", "label", counters..., "mms": {MM: {...}}}.
std::string timeline_jsonl(const std::vector<TimelineRow> &rows);
// The checkpoints for --json: [{"step", "line", "kind", "time_us", "counters": {...}, "mms":
// {...}}].
ojson checkpoints_json(const std::vector<TimelineRow> &rows);

// Decides when a row is due: after every batch, or with a period once the
// virtual time reaches the next multiple of it.
class TimelineClock {
public:
  explicit TimelineClock(std::uint64_t period_us) : period_(period_us) {}
  bool due(std::uint64_t now_us);

private:
  std::uint64_t period_;
  std::uint64_t next_ = 0;
};

} // namespace ksmsim
