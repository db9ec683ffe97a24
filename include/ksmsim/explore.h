// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim explore`: replay a scenario once for every occurrence of every
// preemption point that one step reaches, running that step's
// `interleave: {explore: true, steps: [...]}` there, and report each
// placement that ends in an oops or an invariant violation.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

struct ExploreOptions {
  RunOptions run;          // kernel override, checks
  unsigned max_runs = 500; // beyond this, a seeded random sample
  unsigned jobs = 2;       // replays run on this many threads
  // Called after each replay with the replays done and their total (from
  // one thread at a time, in no fixed order of placements): for a
  // progress line on a terminal.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct Placement {
  std::string point;
  std::uint32_t after = 0;
  enum class Outcome { Clean, Oops, Violation, Refused } outcome = Outcome::Clean;
  std::string detail;   // the oops, the violation, or why it was refused
  std::string scenario; // a ready-to-run scenario with the point filled in
  // What the replay recorded (RunResult::records) and whether an
  // invariant broke: the expectations of a regression file (emit_regression.h).
  std::vector<RunResult::KernelRecord> records;
  bool violated = false;
  std::string refused_by; // Refused: the lock held there ("" when not a lock)
};

struct ExploreResult {
  std::size_t occurrences = 0; // point occurrences the step reaches
  std::vector<Placement> runs; // every placement replayed, in a stable order
  std::size_t findings() const;
};

// `text` is the scenario file's text (for the ready-to-run scenarios).
// Throws scenario::ScenarioError when the scenario has no explore step.
ExploreResult explore(const scenario::Scenario &s, const std::string &text,
                      const ExploreOptions &opt);

} // namespace ksmsim
