// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim explore FILE`: try the explore step's interleaving at every
// preemption point it reaches.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include "ksmsim/emit_regression.h"
#include "ksmsim/every_profile.h"
#include "ksmsim/explore.h"
#include "ksmsim/scenario.h"
#include "sim/io/input_file.h"
#include "sim/io/progress_meter.h"
#include "sim/report/progress_line.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

namespace {

// --verbose: the placements that found nothing, and those the kernel's
// locks refused (with the lock), in the placements' order.
void list_quiet_placements(const ExploreResult &result) {
  for (const Placement &p : result.runs) {
    if (p.outcome == Placement::Outcome::Clean)
      std::cout << fmt::format("  clean: at {} (time {})\n", p.point, p.after);
    else if (p.outcome == Placement::Outcome::Refused && !p.refused_by.empty())
      std::cout << fmt::format("  refused: at {} (time {}) by {}\n", p.point, p.after,
                               p.refused_by);
    else if (p.outcome == Placement::Outcome::Refused)
      std::cout << fmt::format("  refused: at {} (time {}): {}\n", p.point, p.after, p.detail);
  }
}

// --emit-regression DIR: each finding as a two-sided regression file.
int emit_regressions(const scenario::Scenario &s, const ExploreResult &result,
                     const ExploreOptions &eo, const std::string &dir, const std::string &input) {
  for (const Placement &p : result.runs) {
    if (p.outcome != Placement::Outcome::Oops && p.outcome != Placement::Outcome::Violation)
      continue;
    RegressionFile f = emit_regression(s, p, eo);
    std::string path = dir + "/" + f.name;
    if (std::string err = write_file(path, f.text, {input}); !err.empty()) {
      std::cerr << "ksmsim: explore: " << err << "\n";
      return 2;
    }
    std::cout << fmt::format("  regression: {}: fails on '{}', {}\n", path, f.failing_profile,
                             f.fixed_profile ? fmt::format("fixed on '{}'", *f.fixed_profile)
                                             : std::string("no profile fixes it"));
    for (const std::string &problem : f.problems)
      std::cout << fmt::format("    does not pass as written: {}\n", problem);
  }
  return 0;
}

} // namespace

int cmd_explore(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim explore options");
  std::string kernel, out_dir = "explore-findings";
  std::uint64_t max_runs = 500, jobs = 2;
  opts.add_options()("file", po::value<std::string>(),
                     "the scenario")("kernel", po::value<std::string>(&kernel),
                                     "kernel profile, e.g. 'v3.9 without unmerge-enter-at-tail'")(
      "max-runs", po::value<std::string>(), "replay at most N placements (a seeded sample beyond)")(
      "jobs", po::value<std::string>(), "replays at once (default 2, at most the cores)")(
      "out", po::value<std::string>(&out_dir), "write a ready-to-run scenario per finding here")(
      "timing", "print how long exploring took (on stderr)");
  std::string regression_dir;
  opts.add_options()("emit-regression", po::value<std::string>(&regression_dir),
                     "write each finding as a two-sided regression scenario in DIR")(
      "verbose,v", "also list the clean placements and the refused ones (with the lock)");
  add_budget_options(opts);
  if (int status = answer_help("explore", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("explore: " + err);
  ExploreOptions eo;
  for (std::string err : {read_count(vm, "max-runs", 1, 1'000'000, max_runs),
                          read_count(vm, "jobs", 1, 1'000'000, jobs), read_budgets(vm, eo.run)})
    if (!err.empty())
      return usage_error("explore: " + err);
  // More threads than cores gain nothing (and std::thread may refuse them).
  jobs = std::min<std::uint64_t>(jobs, std::max(1u, std::thread::hardware_concurrency()));
  const std::string file = vm["file"].as<std::string>();
  if (std::string err = check_directory({"--out", out_dir}); !err.empty())
    return usage_error("explore: " + err);
  eo.max_runs = static_cast<unsigned>(max_runs);
  eo.jobs = static_cast<unsigned>(jobs);
  if (vm.count("kernel") && kernel != "all")
    eo.run.kernel = kernel;
  const bool every_profile = vm.count("kernel") && kernel == "all";
  if (every_profile && vm.count("emit-regression"))
    return usage_error("explore: --kernel all and --emit-regression: emit from one profile");
  if (vm.count("emit-regression") && vm.count("out") && regression_dir == out_dir)
    return usage_error("explore: --out and --emit-regression name the same directory");
  // The placements' scenarios go to --out unless only regressions are asked for.
  const bool write_out = !vm.count("emit-regression") || vm.count("out");
  io::ProgressMeter meter;
  if (meter.enabled())
    eo.progress = [&meter](std::size_t done, std::size_t total) {
      meter.update([&]() { return explore_progress_line(done, total); });
    };
  auto t0 = std::chrono::steady_clock::now();
  ExploreResult result;
  scenario::Scenario s;
  try {
    std::string why;
    std::optional<std::string> text = io::read_input(file, why);
    if (!text)
      throw scenario::ScenarioError(scenario::Location{file, 0, 0}, why);
    s = scenario::parse_text(*text, file);
    if (every_profile) {
      EveryProfileTable table = explore_every_profile(s, *text, eo);
      meter.finish();
      std::cout << table.text;
      return table.exit_code;
    }
    result = explore(s, *text, eo);
    meter.finish();
  } catch (const scenario::ScenarioError &e) {
    meter.finish();
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    meter.finish();
    std::cerr << "ksmsim: explore: " << file << ": out of memory\n";
    return 2;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t refused = 0;
  std::cout << fmt::format("explore {}: {} point occurrences, {} replayed\n", s.name,
                           result.occurrences, result.runs.size());
  std::vector<std::string> dirs;
  if (write_out)
    dirs.push_back(out_dir);
  if (vm.count("emit-regression"))
    dirs.push_back(regression_dir);
  for (const std::string &dir : dirs)
    if (result.findings() && mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      std::cerr << "ksmsim: cannot create " << dir << "\n";
      return 2;
    }
  for (const Placement &p : result.runs) {
    if (p.outcome == Placement::Outcome::Refused) {
      refused++;
      continue;
    }
    if (p.outcome == Placement::Outcome::Clean)
      continue;
    std::cout << fmt::format("  found: at {} (time {}): {}\n", p.point, p.after, p.detail);
    if (!write_out)
      continue;
    std::string path = out_dir + "/" + placement_file_name(s, p);
    if (std::string err = write_file(path, p.scenario, {file}); !err.empty()) {
      std::cerr << "ksmsim: explore: " << err << "\n";
      return 2;
    }
    std::cout << fmt::format("    -> {}\n", path);
  }
  if (vm.count("verbose"))
    list_quiet_placements(result);
  if (vm.count("emit-regression")) {
    try {
      if (int code = emit_regressions(s, result, eo, regression_dir, file); code != 0)
        return code;
    } catch (const scenario::ScenarioError &e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  std::cout << fmt::format("{} replays: {} found, {} clean, {} refused by the kernel's locks\n",
                           result.runs.size(), result.findings(),
                           result.runs.size() - result.findings() - refused, refused);
  if (vm.count("timing"))
    std::cerr << fmt::format("explore took {:.3f} s for {} replays on {} jobs\n", secs,
                             result.runs.size(), jobs);
  return result.findings() ? 1 : 0;
}

} // namespace ksmsim::cli
