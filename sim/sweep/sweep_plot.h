// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep --plot OUT.svg`: the memory saved (general_profit) against
// ksmd's CPU% for every point, as a scatter plot in SVG written here (a
// chart of a few dozen marks needs no layout engine). One
// `<circle class="point">` per point that has figures, with a `<title>`
// naming its settings; points whose run failed (exit 1) are drawn hollow,
// points without figures (exit 2) are listed in the `<desc>` only. The
// bytes depend only on the results (docs/sweep.md).
#pragma once

#include <string>
#include <vector>

#include "sim/sweep/sweep_run.h"

namespace ksmsim::sweep {

std::string sweep_svg(const std::string &title, const SweepSpec &spec,
                      const std::vector<PointResult> &results);

} // namespace ksmsim::sweep
