// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim explore FILE`: try the explore step's interleaving at every
// preemption point it reaches.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ksmsim/explore.h"
#include "ksmsim/scenario.h"
#include "tools/cli.h"

namespace ksmsim::cli {

int cmd_explore(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim explore options");
  std::string kernel, out_dir = "explore-findings";
  unsigned max_runs = 500, jobs = 2;
  opts.add_options()("file", po::value<std::string>(),
                     "the scenario")("kernel", po::value<std::string>(&kernel),
                                     "kernel profile, e.g. 'v3.9 without unmerge-enter-at-tail'")(
      "max-runs", po::value<unsigned>(&max_runs),
      "replay at most N placements (a seeded sample beyond)")("jobs", po::value<unsigned>(&jobs),
                                                              "replays at once (default 2)")(
      "out", po::value<std::string>(&out_dir), "write a ready-to-run scenario per finding here")(
      "timing", "print how long exploring took (on stderr)");
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("explore: " + err);
  if (max_runs == 0 || jobs == 0)
    return usage_error("--max-runs and --jobs must be at least 1");
  const std::string file = vm["file"].as<std::string>();
  ExploreOptions eo;
  eo.max_runs = max_runs;
  eo.jobs = jobs;
  if (vm.count("kernel"))
    eo.run.kernel = kernel;
  auto t0 = std::chrono::steady_clock::now();
  ExploreResult result;
  scenario::Scenario s;
  try {
    s = scenario::parse_file(file);
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    result = explore(s, text.str(), eo);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
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
    if (!write_file(path, p.scenario)) {
      std::cerr << "ksmsim: cannot write " << path << "\n";
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
