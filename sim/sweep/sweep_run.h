// SPDX-License-Identifier: GPL-2.0-only
//
// Running `ksmsim sweep`'s points (docs/sweep.md): each point is the
// scenario parsed with its overrides and run with a cost model; its
// figures come from the run's own JSON document (docs/json-output.md:
// `final` and `cost`). A point whose parse or run fails is a result with
// its exit status and message, never an abort. Points run on `jobs`
// threads; each result goes to its point's place, so the results are the
// same whatever the number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "sim/sweep/grid.h"

namespace ksmsim::sweep {

// The built-in cost model a sweep uses when neither the scenario (`cost:`)
// nor --cost names one (docs/sweep.md).
inline constexpr const char *DEFAULT_COST_MODEL = "linux-6.18-amd-epyc";

struct SweepSpec {
  std::string file; // the scenario's path, for messages and its relative `cost:`
  std::string text; // the scenario's text
  std::vector<scenario::Override> sets; // --set, before each point's own
  std::vector<GridAxis> axes;
  std::vector<SweepPoint> points;
  RunOptions run;
};

// The figures of a point, as the CSV's cells (FIGURE_COLUMNS order).
struct PointResult {
  int exit_code = 0;      // the run's: 0, 1 (an expectation failed, an oops), 2 (refused, a budget)
  std::uint64_t seed = 0; // the seed the point's scenario has (--seeds', a --set's or the file's)
  std::vector<std::string> cells;
};

// The columns after the point's settings, in order (docs/sweep.md).
extern const std::vector<std::string> FIGURE_COLUMNS;
// A column's index in FIGURE_COLUMNS; throws std::out_of_range.
std::size_t figure_column(const std::string &name);

// The scenario of point p; throws scenario::ScenarioError.
scenario::Scenario point_scenario(const SweepSpec &spec, const SweepPoint &p);

// Parses every point (the file with its overrides) before anything runs:
// "" or the first point's error (a --grid or --set key or value the file
// refuses, a defect the values cause), as the parser words it.
std::string check_points(const SweepSpec &spec);

// One point run; never throws for what the scenario or the run does.
PointResult run_point(const SweepSpec &spec, const SweepPoint &p);

// The points with these indexes, on `jobs` threads; result k is point
// indexes[k]'s.
std::vector<PointResult> run_points(const SweepSpec &spec, const std::vector<std::size_t> &indexes,
                                    unsigned jobs);

// The worst exit status of the results (0 when there are none).
int worst_exit(const std::vector<PointResult> &results);

} // namespace ksmsim::sweep
