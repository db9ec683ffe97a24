// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep --plot OUT.html`: one self-contained page with the HTML
// report's charting library (Chart.js, Debian's libjs-chart.js, inlined as
// sim/report/html_report.* does): a scatter chart of the memory saved
// (general_profit, MiB) against ksmd's CPU% with one point per row that has
// figures (its settings in the tooltip), and the CSV as a table. The data
// goes in as one JSON blob (`points`: one object per plotted point); the
// bytes depend only on the rows and chart_js.
#pragma once

#include <string>
#include <vector>

#include "sim/sweep/sweep_run.h"

namespace ksmsim::sweep {

std::string sweep_page(const std::string &title, const SweepSpec &spec,
                       const std::vector<PointResult> &results, const std::string &chart_js);

} // namespace ksmsim::sweep
