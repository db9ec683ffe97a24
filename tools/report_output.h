// SPDX-License-Identifier: GPL-2.0-only
//
// Writing a run's HTML report (sim/report/html_report.h) to a file, for
// `ksmsim report` and `ksmsim run --html`.
#pragma once

#include <string>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/io/output_file.h"

namespace ksmsim::cli {

// Chart.js's text, read before the run; "" on success, else why (naming
// the package to install) in *why.
std::string read_chart_library(std::string *why);
// Renders the report of the scenario s (parsed from text, read from file)
// into out and commits it; throws io::OutputError.
void write_report(io::OutputFile &out, const scenario::Scenario &s, const std::string &file,
                  const std::string &text, const RunResult &r, const std::string &chart_js);
// Drops the SVG dumps made only for the report (RunOptions set by
// want_report) so that they are not printed: those at checkpoints that no
// --dump-at or `dump:` file asked for.
void drop_report_dumps(const RunOptions &ro, RunResult &r);

} // namespace ksmsim::cli
