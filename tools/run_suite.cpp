// SPDX-License-Identifier: GPL-2.0-only
#include "tools/run_suite.h"

#include <atomic>
#include <iostream>
#include <new>
#include <thread>

#include <fmt/format.h>

#include "ksmsim/scenario.h"
#include "sim/io/scenario_paths.h"
#include "sim/report/suite.h"

namespace ksmsim::cli {

namespace {

// The options that write one run's outputs: refused with several runs.
constexpr const char *PER_RUN_OUTPUTS[] = {
    "json",     "trace",       "html",         "dump-at",     "dump-each",      "dump-dir",
    "timeline", "list-points", "trace-format", "trace-level", "timeline-period"};

SuiteRun run_one(const std::string &path, const RunOptions &ro,
                 const scenario::ParseOptions &parse_options) {
  try {
    const scenario::Scenario s = scenario::parse_file(path, parse_options);
    return suite_run(path, run_scenario(s, ro));
  } catch (const scenario::ScenarioError &e) {
    return suite_error(path, e.what());
  } catch (const std::bad_alloc &) {
    return suite_error(path, "ksmsim: run: " + path + ": out of memory");
  }
}

std::vector<SuiteRun> run_all(const std::vector<std::string> &files, const RunOptions &ro,
                              const scenario::ParseOptions &parse_options, unsigned jobs) {
  std::vector<SuiteRun> runs(files.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < files.size();)
      runs[i] = run_one(files[i], ro, parse_options);
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs && j < files.size(); ++j)
    threads.emplace_back(worker);
  worker();
  for (std::thread &t : threads)
    t.join();
  return runs;
}

} // namespace

void add_suite_options(po::options_description &opts, SuiteArgs &a) {
  opts.add_options()("format", po::value<std::string>(&a.format),
                     "with several scenarios: human (default), tap (TAP version 13) or junit")(
      "jobs", po::value<std::string>(&a.jobs), "run N scenarios at once (default 1)");
}

std::optional<int> run_suite(const std::vector<std::string> &inputs, const po::variables_map &vm,
                             const SuiteArgs &a, const RunOptions &ro,
                             const scenario::ParseOptions &parse_options) {
  if (a.format != "human" && a.format != "tap" && a.format != "junit")
    return usage_error(fmt::format("run: --format takes human, tap or junit, not '{}'", a.format));
  std::uint64_t jobs = 1;
  if (std::string err = read_count(vm, "jobs", 1, 256, jobs); !err.empty())
    return usage_error("run: " + err);
  io::ScenarioPaths paths = io::scenario_paths(inputs);
  if (!paths.error.empty())
    return std::cerr << "ksmsim: run: " << paths.error << "\n", 2;
  if (paths.files.size() == 1 && !paths.had_directory && a.format == "human")
    return std::nullopt;
  for (const char *option : PER_RUN_OUTPUTS)
    if (vm.count(option))
      return usage_error(fmt::format("run: --{} writes one scenario's output: not with several "
                                     "scenarios, a directory or --format tap|junit",
                                     option));
  const std::vector<SuiteRun> runs =
      run_all(paths.files, ro, parse_options, static_cast<unsigned>(jobs));
  if (a.format == "tap") {
    std::cout << tap_report(runs);
  } else if (a.format == "junit") {
    std::cout << junit_report(runs);
  } else {
    std::string out, errors;
    human_report(runs, vm.count("quiet") > 0, out, errors);
    std::cerr << errors;
    std::cout << out;
  }
  return worst_exit(runs);
}

} // namespace ksmsim::cli
