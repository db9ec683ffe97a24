// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run FILE`: replay a scenario.
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <new>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/lib/trace.h"
#include "sim/io/output_file.h"
#include "sim/report/html_report.h"
#include "sim/step/inspect_text.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/report_output.h"
#include "tools/run_outputs.h"
#include "tools/run_progress.h"
#include "tools/run_suite.h"
#include "tools/set_option.h"
#include "tools/stdio_args.h"

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

// The trace's lines, spooled to an unnamed temporary file as the run makes
// them (the header, written first, needs their count).
struct TraceSpool {
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> file{std::tmpfile(), &std::fclose};
  bool failed = false;
  void add(std::string_view text) {
    failed = failed || !file || std::fwrite(text.data(), 1, text.size(), file.get()) != text.size();
  }
  // Header, the names' comment lines, then the lines into out; throws
  // io::OutputError.
  void copy_to(io::OutputFile &out, std::size_t entries, const std::string &names) {
    out.write(Trace::header(entries, 2));
    out.write(names);
    if (failed || std::fflush(file.get()) != 0)
      throw io::OutputError("cannot write " + out.path() + ": the trace spool failed");
    std::rewind(file.get());
    char buf[1 << 16];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file.get())) > 0;)
      out.write(std::string_view(buf, n));
  }
};

} // namespace

int cmd_run(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim run options");
  std::string trace_out, json_out, html_out, check = "step", kernel, trace_level = "default",
                                             trace_format = "ftrace", cost;
  opts.add_options()("file", po::value<std::vector<std::string>>(),
                     "the scenarios: files, or directories (every *.yaml under them)")(
      "trace", po::value<std::string>(&trace_out), "write the trace to OUT")(
      "trace-format", po::value<std::string>(&trace_format),
      "the trace's format: ftrace (the kernel's text, default) or chrome-json")(
      "trace-level", po::value<std::string>(&trace_level),
      "default, or explain: add ksmsim_explain lines narrating ksmd's decisions")(
      "json", po::value<std::string>(&json_out), "write the results as JSON to OUT")(
      "html", po::value<std::string>(&html_out), "write the HTML report to OUT (docs/report.md)")(
      "check", po::value<std::string>(&check), "invariant checks: step (default), page or off")(
      "quiet", "print nothing when every expectation holds")(
      "strict", "also fail (exit 1) on a warning, detector report or invariant violation that no "
                "expectation names")("list-points",
                                     "print the preemption points each step reaches, with counts")(
      "kernel", po::value<std::string>(&kernel),
      "kernel profile, e.g. 'v3.9 without stale-stable-sweep'")(
      "no-shortcuts",
      "take the kernel's way everywhere and check the whole machine after each step (slower, the "
      "same output: docs/perf.md)")(
      "cost", po::value<std::string>(&cost),
      "a cost model, built-in NAME or FILE: ksmd's batches take virtual time (docs/cost-model.md)");
  add_run_progress_options(opts); // tools/run_progress.h: -v, and `--kernel all`
  InspectArgs inspect;
  add_inspect_options(opts, inspect);
  add_budget_options(opts);
  SuiteArgs suite;
  add_suite_options(opts, suite);
  add_set_option(opts);
  if (int status = answer_help("run", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm, -1); !err.empty())
    return usage_error("run: " + err);
  scenario::ParseOptions parse_options;
  if (std::string err = read_set_options(vm, parse_options); !err.empty())
    return usage_error("run: " + err);
  RunOptions ro;
  if (std::string err = apply_inspect_options(inspect, ro); !err.empty())
    return usage_error(err);
  if (std::string err = read_budgets(vm, ro); !err.empty())
    return usage_error("run: " + err);
  std::string chart_js;
  if (!html_out.empty()) {
    if (std::string err = want_report(ro); !err.empty())
      return usage_error("run: " + err);
    std::string why;
    if (chart_js = read_chart_library(&why); !why.empty())
      return std::cerr << "ksmsim: run: " << why << "\n", 2;
  }
  if (std::string err = read_check_mode(check, ro); !err.empty())
    return usage_error(err);
  if (trace_format == "chrome-json")
    ro.trace_format = TraceFormat::chrome_json;
  else if (trace_format != "ftrace")
    return usage_error(
        fmt::format("--trace-format takes ftrace or chrome-json, not '{}'", trace_format));
  if (vm.count("kernel"))
    ro.kernel = kernel;
  if (vm.count("cost"))
    ro.cost = cost;
  ro.trace = !trace_out.empty();
  if (trace_level != "default" && trace_level != "explain")
    return usage_error(
        fmt::format("--trace-level takes default or explain, not '{}'", trace_level));
  ro.explain = trace_level == "explain";
  ro.list_points = vm.count("list-points") > 0;
  ro.strict = vm.count("strict") > 0;
  ro.shortcuts = vm.count("no-shortcuts") == 0;
  // Several scenarios, a directory or --format tap|junit (tools/run_suite.h).
  if (std::optional<int> code =
          run_suite(vm["file"].as<std::vector<std::string>>(), vm, suite, ro, parse_options))
    return *code;
  const std::string file = vm["file"].as<std::vector<std::string>>().front();
  if (std::string err = io::distinct_outputs({trace_out, json_out, html_out}); !err.empty())
    return usage_error("run: " + err);
  if (ro.kernel == "all") // one table of every kernel profile instead of one run
    return run_on_every_profile(file, ro, vm, {trace_out, json_out, html_out}, parse_options);
  RunProgressOutput progress(vm, ro);
  bool stdout_taken = false;
  if (std::string err = check_stdout_outputs({{"--trace", trace_out},
                                              {"--json", json_out},
                                              {"--html", html_out},
                                              {"--timeline", inspect.timeline}},
                                             &stdout_taken);
      !err.empty())
    return usage_error("run: " + err);
  if (std::string err = check_directory({"--dump-dir", inspect.dump_dir}); !err.empty())
    return usage_error("run: " + err);
  std::ostream &human = human_stream(stdout_taken);
  RunResult result;
  scenario::Scenario s;
  try {
    // The outputs are checked (and their temporary files made) first.
    std::unique_ptr<io::OutputFile> trace_file, json_file, html_file;
    TraceSpool spool;
    if (!trace_out.empty()) {
      trace_file = std::make_unique<io::OutputFile>(trace_out, std::vector<std::string>{file});
      if (ro.trace_format == TraceFormat::ftrace)
        ro.trace_spill = [&spool](std::string_view text) { spool.add(text); };
    }
    if (!json_out.empty())
      json_file = std::make_unique<io::OutputFile>(json_out, std::vector<std::string>{file});
    if (!html_out.empty())
      html_file = std::make_unique<io::OutputFile>(html_out, std::vector<std::string>{file});
    const std::string text = read_scenario(file);
    s = scenario::parse_text(text, file, parse_options);
    result = run_scenario(s, ro);
    progress.finish();
    if (ro.explain) // once, on stderr: stdout stays what it is without the option
      if (std::string v = ro.kernel ? parse_profile_text(*ro.kernel).version : s.kernel.version;
          !version_narrates(v))
        std::cerr << fmt::format("ksmsim: run: note: kernel {} has no narration (its port has no "
                                 "model/lib/narrate.h hooks): --trace-level explain adds no "
                                 "ksmsim_explain lines\n",
                                 v);
    if (trace_file) {
      if (ro.trace_spill)
        spool.copy_to(*trace_file, result.trace_entries, result.trace_names);
      else
        trace_file->write(result.trace);
      trace_file->commit();
    }
    if (json_file) {
      json_file->write(result.json);
      json_file->commit();
    }
    if (html_file) {
      write_report(*html_file, s, file, text, result, chart_js);
      if (inspect.dump_each.empty())
        drop_report_dumps(ro, result);
    }
  } catch (const scenario::ScenarioError &e) {
    progress.finish();
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const io::OutputError &e) {
    std::cerr << "ksmsim: run: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    std::cerr << "ksmsim: run: " << file << ": out of memory\n";
    return 2;
  }
  if (std::string err = write_inspect_outputs(inspect, result, human, {file}); !err.empty()) {
    std::cerr << "ksmsim: " << err << "\n";
    return 2;
  }
  if (!vm.count("quiet") || result.exit_code != 0)
    human << result.summary;
  if (ro.list_points)
    human << points_listing(s, result);
  return result.exit_code;
}

} // namespace ksmsim::cli
