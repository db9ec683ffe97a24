// SPDX-License-Identifier: GPL-2.0-only
#include "tools/report_output.h"

#include <algorithm>

#include "sim/io/input_file.h"
#include "sim/report/html_report.h"
#include "tools/cli.h"

namespace ksmsim::cli {

std::string read_chart_library(std::string *why) {
  std::string reason;
  std::optional<std::string> lib = io::read_input(chartjs_path(), reason);
  if (!lib) {
    *why = "the HTML report needs Chart.js: cannot read " + std::string(chartjs_path()) + " (" +
           reason + "); install Debian's package libjs-chart.js (tools/setup does)";
    return "";
  }
  why->clear();
  return *lib;
}

void write_report(io::OutputFile &out, const scenario::Scenario &s, const std::string &file,
                  const std::string &text, const RunResult &r, const std::string &chart_js) {
  out.write(render_report(report_data(s, file, text, r), chart_js));
  out.commit();
}

void drop_report_dumps(const RunOptions &ro, RunResult &r) {
  std::erase_if(r.dumps, [&](const RunResult::Dump &d) {
    return d.file.empty() && d.format == "svg" &&
           std::find(ro.dump_at.begin(), ro.dump_at.end(), d.step) == ro.dump_at.end();
  });
}

} // namespace ksmsim::cli
