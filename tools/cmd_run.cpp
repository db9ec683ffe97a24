// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run FILE`: replay a scenario.
#include <fmt/format.h>
#include <iostream>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "tools/cli.h"
#include "tools/run_outputs.h"

namespace ksmsim::cli {

namespace {
std::string points_listing(const scenario::Scenario &s, const RunResult &r) {
  std::string out = "preemption points reached (step: point count):\n";
  for (const auto &[index, points] : r.points) {
    if (index < 1 || index > static_cast<int>(s.steps.size()))
      continue;
    const auto &step = s.steps[index - 1];
    out += fmt::format("  step {} (line {}, {}):\n", index, step.loc.line, step.kind);
    for (const auto &[name, count] : points)
      out += fmt::format("    {} {}\n", name, count);
  }
  return out;
}

} // namespace

int cmd_run(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim run options");
  std::string trace_out, json_out, check = "step", kernel, trace_level = "default",
                           trace_format = "ftrace";
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "trace", po::value<std::string>(&trace_out), "write the trace to OUT")(
      "trace-format", po::value<std::string>(&trace_format),
      "the trace's format: ftrace (the kernel's text, default) or chrome-json")(
      "trace-level", po::value<std::string>(&trace_level),
      "default, or explain: add ksmsim_explain lines narrating ksmd's decisions")(
      "json", po::value<std::string>(&json_out), "write the results as JSON to OUT")(
      "check", po::value<std::string>(&check), "invariant checks: step (default), page or off")(
      "quiet", "print nothing when every expectation holds")(
      "strict", "also fail (exit 1) on a warning, detector report or invariant violation that no "
                "expectation names")("list-points",
                                     "print the preemption points each step reaches, with counts")(
      "kernel", po::value<std::string>(&kernel),
      "kernel profile, e.g. 'v3.9 without stale-stable-sweep'");
  InspectArgs inspect;
  add_inspect_options(opts, inspect);
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("run: " + err);
  RunOptions ro;
  if (std::string err = apply_inspect_options(inspect, ro); !err.empty())
    return usage_error(err);
  if (check == "step")
    ro.check = CheckMode::Step;
  else if (check == "page")
    ro.check = CheckMode::Page;
  else if (check == "off")
    ro.check = CheckMode::Off;
  else
    return usage_error(fmt::format("--check takes step, page or off, not '{}'", check));
  if (trace_format == "chrome-json")
    ro.trace_format = TraceFormat::chrome_json;
  else if (trace_format != "ftrace")
    return usage_error(
        fmt::format("--trace-format takes ftrace or chrome-json, not '{}'", trace_format));
  if (vm.count("kernel"))
    ro.kernel = kernel;
  ro.trace = !trace_out.empty();
  if (trace_level != "default" && trace_level != "explain")
    return usage_error(
        fmt::format("--trace-level takes default or explain, not '{}'", trace_level));
  ro.explain = trace_level == "explain";
  ro.list_points = vm.count("list-points") > 0;
  ro.strict = vm.count("strict") > 0;
  const std::string file = vm["file"].as<std::string>();
  RunResult result;
  scenario::Scenario s;
  try {
    s = scenario::parse_file(file);
    result = run_scenario(s, ro);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (!trace_out.empty() && !write_file(trace_out, result.trace)) {
    std::cerr << "ksmsim: cannot write " << trace_out << "\n";
    return 2;
  }
  if (!json_out.empty() && !write_file(json_out, result.json)) {
    std::cerr << "ksmsim: cannot write " << json_out << "\n";
    return 2;
  }
  if (std::string err = write_inspect_outputs(inspect, result, std::cout); !err.empty()) {
    std::cerr << "ksmsim: " << err << "\n";
    return 2;
  }
  if (!vm.count("quiet") || result.exit_code != 0)
    std::cout << result.summary;
  if (ro.list_points)
    std::cout << points_listing(s, result);
  return result.exit_code;
}

} // namespace ksmsim::cli
