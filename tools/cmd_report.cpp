// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim report FILE -o OUT`: run a scenario and write its HTML report
// (sim/report/html_report.h, docs/report.md).
#include <fmt/format.h>
#include <iostream>
#include <new>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/io/output_file.h"
#include "sim/report/html_report.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/report_output.h"
#include "tools/run_outputs.h"
#include "tools/stdio_args.h"
#include "tools/set_option.h"

namespace ksmsim::cli {

int cmd_report(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim report options");
  std::string out, kernel, period, check = "step", cost;
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "output,o", po::value<std::string>(&out),
      "write the HTML report to OUT")("kernel", po::value<std::string>(&kernel),
                                      "kernel profile, e.g. 'v3.9 without stale-stable-sweep'")(
      "check", po::value<std::string>(&check), "invariant checks: step (default), page or off")(
      "timeline-period", po::value<std::string>(&period),
      "a chart point every MS of virtual time instead of after every ksmd batch")(
      "cost", po::value<std::string>(&cost),
      "a cost model, built-in NAME or FILE: ksmd's batches take virtual time (docs/cost-model.md)");
  add_budget_options(opts);
  add_set_option(opts);
  if (int status = answer_help("report", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("report: " + err);
  scenario::ParseOptions parse_options;
  if (std::string err = read_set_options(vm, parse_options); !err.empty())
    return usage_error("report: " + err);
  if (out.empty())
    return usage_error("report: -o OUT (the HTML file to write) is needed");
  RunOptions ro;
  InspectArgs inspect;
  inspect.timeline_period = period;
  if (std::string err = apply_inspect_options(inspect, ro); !err.empty())
    return usage_error("report: " + err);
  if (std::string err = read_budgets(vm, ro); !err.empty())
    return usage_error("report: " + err);
  if (std::string err = want_report(ro); !err.empty())
    return usage_error("report: " + err);
  if (vm.count("kernel"))
    ro.kernel = kernel;
  if (vm.count("cost"))
    ro.cost = cost;
  if (std::string err = read_check_mode(check, ro); !err.empty())
    return usage_error("report: " + err);
  const std::string file = vm["file"].as<std::string>();
  bool stdout_taken = false;
  if (std::string err = check_stdout_outputs({{"--output", out}}, &stdout_taken); !err.empty())
    return usage_error("report: " + err);
  std::string why;
  std::string chart_js = read_chart_library(&why);
  if (!why.empty()) {
    std::cerr << "ksmsim: report: " << why << "\n";
    return 2;
  }
  RunResult result;
  try {
    io::OutputFile html(out, {file}); // a refused output fails before the run
    const std::string text = read_scenario(file);
    scenario::Scenario s = scenario::parse_text(text, file, parse_options);
    result = run_scenario(s, ro);
    write_report(html, s, file, text, result, chart_js);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const io::OutputError &e) {
    std::cerr << "ksmsim: report: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    std::cerr << "ksmsim: report: " << file << ": out of memory\n";
    return 2;
  }
  if (result.exit_code != 0)
    human_stream(stdout_taken) << result.summary;
  return result.exit_code;
}

} // namespace ksmsim::cli
