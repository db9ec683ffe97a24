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

#include "ksmsim/explore.h"
#include "ksmsim/scenario.h"
#include "sim/io/input_file.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

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
  if (vm.count("kernel"))
    eo.run.kernel = kernel;
  auto t0 = std::chrono::steady_clock::now();
  ExploreResult result;
  scenario::Scenario s;
  try {
    std::string why;
    std::optional<std::string> text = io::read_input(file, why);
    if (!text)
      throw scenario::ScenarioError(scenario::Location{file, 0, 0}, why);
    s = scenario::parse_text(*text, file);
    result = explore(s, *text, eo);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    std::cerr << "ksmsim: explore: " << file << ": out of memory\n";
    return 2;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t refused = 0;
  std::cout << fmt::format("explore {}: {} point occurrences, {} replayed\n", s.name,
                           result.occurrences, result.runs.size());
  if (result.findings() && mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::cerr << "ksmsim: cannot create " << out_dir << "\n";
    return 2;
  }
  for (const Placement &p : result.runs) {
    if (p.outcome == Placement::Outcome::Refused) {
      refused++;
      continue;
    }
    if (p.outcome == Placement::Outcome::Clean)
      continue;
    std::string name = p.point;
    std::replace(name.begin(), name.end(), ':', '.');
    std::string path = fmt::format("{}/{}.{}.{}.yaml", out_dir, s.name, name, p.after);
    if (std::string err = write_file(path, p.scenario, {file}); !err.empty()) {
      std::cerr << "ksmsim: explore: " << err << "\n";
      return 2;
    }
    std::cout << fmt::format("  found: at {} (time {}): {}\n    -> {}\n", p.point, p.after,
                             p.detail, path);
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
