// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep FILE --grid KEY=V1,V2,... [--seeds N] [--out OUT.csv]`: the
// scenario run at every point of a grid of --set values, with a cost model,
// on the local cores (--jobs) or over MPI ranks (mpirun, srun), one CSV row
// per point in grid order (sim/sweep/, docs/sweep.md).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <new>
#include <thread>

#include "sim/cost/cost_model.h"
#include "sim/io/output_file.h"
#include "sim/sweep/grid.h"
#include "sim/sweep/launcher.h"
#include "sim/sweep/sweep_csv.h"
#include "sim/sweep/sweep_page.h"
#include "sim/sweep/sweep_plot.h"
#include "sim/sweep/sweep_run.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/report_output.h"
#include "tools/set_option.h"
#include "tools/stdio_args.h"
#ifdef KSMSIM_HAVE_MPI
#include "sim/sweep/sweep_mpi.h"
#endif

namespace ksmsim::cli {

namespace {

constexpr std::size_t kMaxPoints = 1 << 20;

bool ends_with(const std::string &s, const std::string &end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

// --plot OUT.html is the Chart.js page; OUT.svg (or -) the SVG.
bool html_plot(const std::string &path) {
  return ends_with(path, ".html");
}

// What the sweep writes: the CSV and the plot, opened before anything runs.
struct SweepOutputs {
  std::string csv_path, plot_path, file;
  std::string chart_js; // for an HTML plot: Chart.js's text
  std::unique_ptr<io::OutputFile> csv, plot;
  // Opens both; "" or why not.
  std::string open() {
    try {
      csv = std::make_unique<io::OutputFile>(csv_path, std::vector<std::string>{file});
      if (!plot_path.empty())
        plot = std::make_unique<io::OutputFile>(plot_path, std::vector<std::string>{file});
    } catch (const io::OutputError &e) {
      return e.what();
    }
    return "";
  }
  // Writes and commits both; "" or why not.
  std::string write(const sweep::SweepSpec &spec, const std::vector<sweep::PointResult> &results) {
    try {
      csv->write(sweep::sweep_csv(spec, results));
      csv->commit();
      if (plot) {
        const std::string title = fmt::format("ksmsim sweep {}", file);
        plot->write(html_plot(plot_path) ? sweep::sweep_page(title, spec, results, chart_js)
                                         : sweep::sweep_svg(title, spec, results));
        plot->commit();
      }
    } catch (const io::OutputError &e) {
      return e.what();
    }
    return "";
  }
};

// "N points: a x b, seeds s" for the summary.
std::string shape_text(const sweep::SweepSpec &spec, std::size_t seeds) {
  std::string shape;
  for (const sweep::GridAxis &a : spec.axes)
    shape += (shape.empty() ? "" : " x ") + fmt::format("{} {}", a.values.size(), a.key);
  if (seeds)
    shape += (shape.empty() ? "" : " x ") + fmt::format("{} seeds", seeds);
  return fmt::format("{} point{}{}", spec.points.size(), spec.points.size() == 1 ? "" : "s",
                     shape.empty() ? "" : " (" + shape + ")");
}

std::string outcome_text(const std::vector<sweep::PointResult> &results) {
  std::size_t counts[3] = {0, 0, 0};
  for (const sweep::PointResult &r : results)
    counts[r.exit_code == 0 ? 0 : r.exit_code == 1 ? 1 : 2]++;
  return fmt::format("{} exit 0, {} exit 1, {} exit 2", counts[0], counts[1], counts[2]);
}

// The sweep's status from its points': 0 when every one exited 0, else 1.
int sweep_status(const std::vector<sweep::PointResult> &results) {
  return sweep::worst_exit(results) == 0 ? 0 : 1;
}

} // namespace

int cmd_sweep(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim sweep options");
  std::string out = "-", plot, cost, kernel, check = "step";
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "grid", po::value<std::vector<std::string>>()->composing()->value_name("KEY=V1,V2,..."),
      "KEY=V1,V2,...: an axis of the grid, --set's keys; repeatable, the first varies slowest")(
      "seeds", po::value<std::string>()->value_name("N"),
      "run each point with N seeds: the scenario's seed, seed+1, ..., seed+N-1 (fastest)")(
      "out", po::value<std::string>(&out)->value_name("OUT"),
      "write the CSV to OUT (default: stdout)")(
      "plot", po::value<std::string>(&plot)->value_name("OUT"),
      "also write a plot of memory saved (general_profit) against ksmd CPU% per point: OUT.svg "
      "(SVG) or OUT.html (a page with Chart.js)")(
      "jobs", po::value<std::string>(),
      "run N points at once (default: this machine's cores; 1 per rank under MPI)")(
      "cost", po::value<std::string>(&cost),
      "a cost model, built-in NAME or FILE, over the scenario's cost: (default: the scenario's, "
      "else linux-6.18-amd-epyc)")("kernel", po::value<std::string>(&kernel),
                                   "kernel profile, e.g. 'v3.9 without stale-stable-sweep'")(
      "check", po::value<std::string>(&check), "invariant checks: step (default), page or off")(
      "quiet", "print nothing when every point exits 0");
  add_budget_options(opts);
  add_set_option(opts);
  if (int status = answer_help("sweep", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("sweep: " + err);
  const std::string file = vm["file"].as<std::string>();
  sweep::SweepSpec spec;
  spec.file = file;
  scenario::ParseOptions sets;
  if (std::string err = read_set_options(vm, sets); !err.empty())
    return usage_error("sweep: " + err);
  spec.sets = sets.overrides;
  if (vm.count("grid"))
    for (const std::string &arg : vm["grid"].as<std::vector<std::string>>()) {
      std::string err;
      std::optional<sweep::GridAxis> axis = sweep::parse_grid_axis(arg, &err);
      if (!axis)
        return usage_error("sweep: " + err);
      for (const sweep::GridAxis &a : spec.axes)
        if (a.key == axis->key)
          return usage_error("sweep: --grid " + axis->key + " is given twice");
      spec.axes.push_back(*axis);
    }
  std::uint64_t seeds = 0;
  if (vm.count("seeds")) {
    if (std::string err = read_count(vm, "seeds", 1, 65536, seeds); !err.empty())
      return usage_error("sweep: " + err);
    for (const sweep::GridAxis &a : spec.axes)
      if (a.key == "seed")
        return usage_error("sweep: --grid seed=... and --seeds: give the seeds one way");
  }
  const bool mpi = sweep::under_mpi_launcher();
  std::uint64_t jobs = mpi ? 1 : std::max(1u, std::thread::hardware_concurrency());
  if (vm.count("jobs"))
    if (std::string err = read_count(vm, "jobs", 1, 256, jobs); !err.empty())
      return usage_error("sweep: " + err);
  RunOptions &ro = spec.run;
  if (std::string err = read_budgets(vm, ro); !err.empty())
    return usage_error("sweep: " + err);
  if (std::string err = read_check_mode(check, ro); !err.empty())
    return usage_error("sweep: " + err);
  if (vm.count("kernel"))
    ro.kernel = kernel;
  if (!plot.empty() && !ends_with(plot, ".svg") && !html_plot(plot) && plot != "-")
    return usage_error("sweep: --plot writes OUT.svg (or - for SVG on stdout) or OUT.html, not '" +
                       plot + "'");
  if (std::string err = io::distinct_outputs({out, plot}); !err.empty())
    return usage_error("sweep: " + err);
  bool stdout_taken = false;
  if (std::string err = check_stdout_outputs({{"--out", out}, {"--plot", plot}}, &stdout_taken);
      !err.empty())
    return usage_error("sweep: " + err);
#ifndef KSMSIM_HAVE_MPI
  if (mpi)
    return usage_error("sweep: started by an MPI launcher (mpirun, srun), but this ksmsim was "
                       "built without MPI (KSMSIM_MPI=OFF, or CMake found no MPI and Boost.MPI): "
                       "run it without the launcher");
#endif
  if (mpi && file == "-")
    return usage_error("sweep: under MPI the scenario cannot be stdin ('-'): only rank 0 reads it");
  std::string cost_name;
  std::uint64_t file_seed = 0;
  try {
    spec.text = read_scenario(file);
    // The file with the --set values alone: its seed and its cost: model.
    scenario::Scenario base = scenario::parse_text(spec.text, file, sets);
    file_seed = base.seed;
    if (vm.count("cost")) {
      (void)load_cost_model(cost, "", scenario::Location{"--cost", 0, 0});
      ro.cost = cost_name = cost;
    } else if (base.cost_model.empty()) {
      ro.cost = cost_name = sweep::DEFAULT_COST_MODEL;
    } else {
      cost_name = base.cost_model;
    }
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    std::cerr << "ksmsim: sweep: " << file << ": out of memory\n";
    return 2;
  }
  std::vector<std::uint64_t> seed_list;
  for (std::uint64_t k = 0; k < seeds; k++)
    seed_list.push_back(file_seed + k);
  try {
    spec.points = sweep::grid_points(spec.axes, seed_list, kMaxPoints);
  } catch (const std::length_error &e) {
    return usage_error(std::string("sweep: the grid has ") + e.what());
  }
  SweepOutputs outputs{out, plot, file, "", nullptr, nullptr};
  if (html_plot(plot)) {
    std::string why;
    if (outputs.chart_js = read_chart_library(&why); !why.empty())
      return std::cerr << "ksmsim: sweep: " << why << "\n", 2;
  }
  std::ostream &human = human_stream(stdout_taken);
  // Before anything runs: every point parses, the outputs can be written.
  auto prepare = [&]() -> int {
    if (std::string err = sweep::check_points(spec); !err.empty())
      return std::cerr << err << "\n", 2;
    if (std::string err = outputs.open(); !err.empty())
      return std::cerr << "ksmsim: sweep: " << err << "\n", 2;
    return 0;
  };
  auto finish = [&](const std::vector<sweep::PointResult> &results, const std::string &where) {
    if (std::string err = outputs.write(spec, results); !err.empty())
      return std::cerr << "ksmsim: sweep: " << err << "\n", 2;
    const int status = sweep_status(results);
    if (!vm.count("quiet") || status != 0)
      human << fmt::format("sweep {}: {}, cost model {}, {}: {}\n", file, shape_text(spec, seeds),
                           cost_name, where, outcome_text(results));
    return status;
  };
  if (mpi) {
#ifdef KSMSIM_HAVE_MPI
    int size = 1;
    try {
      sweep::MpiSweepIo io;
      io.prepare = prepare;
      io.finish = [&](const std::vector<sweep::PointResult> &results) {
        return finish(results,
                      fmt::format("{} MPI ranks x {} job{}", size, jobs, jobs == 1 ? "" : "s"));
      };
      return sweep::run_sweep_mpi(spec, static_cast<unsigned>(jobs), io, &size);
    } catch (const std::exception &e) {
      std::cerr << "ksmsim: sweep: MPI: " << e.what() << "\n";
      return 2;
    }
#endif
  }
  if (int status = prepare(); status != 0)
    return status;
  std::vector<std::size_t> all(spec.points.size());
  for (std::size_t i = 0; i < all.size(); i++)
    all[i] = i;
  const std::vector<sweep::PointResult> results =
      sweep::run_points(spec, all, static_cast<unsigned>(jobs));
  return finish(results, fmt::format("{} job{}", jobs, jobs == 1 ? "" : "s"));
}

} // namespace ksmsim::cli
