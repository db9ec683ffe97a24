// SPDX-License-Identifier: GPL-2.0-only
//
// The HTML report of a run (`ksmsim report`, `ksmsim run --html`): one
// self-contained page with the scenario's text, Chart.js's chart of the
// counters over virtual time with the steps, checkpoints and kernel reports
// as markers, every checkpoint's expectations and its SVG picture behind a
// slider (docs/report.md). The data goes in as one JSON blob; the bytes
// depend only on the scenario.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

// What a run needs for a report: the timeline after every batch (unless a
// period was set) and an SVG dump at every checkpoint. Returns "" or why
// the options conflict (a --dump-format other than svg).
std::string want_report(RunOptions &ro);

// The blob: scenario {name, file, text}, kernel, result, exit_code,
// counters, timeline {time_us, series}, steps, events, violations,
// checkpoints (with expectation and picture index), pictures (SVG text).
nlohmann::ordered_json report_data(const scenario::Scenario &s, const std::string &file,
                                   const std::string &text, const RunResult &r);

// Where Chart.js is read from (found at configure time).
const char *chartjs_path();
// The page around the blob with chart_js (tools/report_output.h reads it) inlined.
std::string render_report(const nlohmann::ordered_json &data, const std::string &chart_js);

} // namespace ksmsim
