// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep`'s CSV (docs/sweep.md): a header, then one row per point in
// grid order: `point`, one column per --grid key (named as the key), `seed`,
// then sweep_run.h's FIGURE_COLUMNS. RFC 4180: comma-separated, CRLF-free
// ("\n" line ends), a cell quoted when it holds a comma, a quote or a
// line break. The bytes depend only on the points and their results.
#pragma once

#include <string>
#include <vector>

#include "sim/sweep/sweep_run.h"

namespace ksmsim::sweep {

// A cell as RFC 4180 writes it.
std::string csv_cell(const std::string &text);
std::string csv_header(const std::vector<GridAxis> &axes);
// Point p's row.
std::string csv_row(const SweepPoint &p, const PointResult &r);
// The whole CSV: results[i] is point i's.
std::string sweep_csv(const SweepSpec &spec, const std::vector<PointResult> &results);

} // namespace ksmsim::sweep
