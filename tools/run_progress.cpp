// SPDX-License-Identifier: GPL-2.0-only
#include "tools/run_progress.h"

#include <algorithm>
#include <iostream>
#include <new>

#include "ksmsim/every_profile.h"
#include "ksmsim/scenario.h"
#include "sim/report/progress_line.h"

namespace ksmsim::cli {

void add_run_progress_options(po::options_description &opts) {
  opts.add_options()("verbose,v", "print each step as it runs (on stderr)");
}

RunProgressOutput::RunProgressOutput(const po::variables_map &vm, RunOptions &ro)
    : verbose_(vm.count("verbose") > 0) {
  if (!meter_.enabled() && !verbose_)
    return;
  ro.progress = [this](const RunProgress &p) {
    if (verbose_ && p.event == RunProgress::Event::StepBegin)
      meter_.print(run_step_line(p));
    meter_.update([&]() { return run_progress_line(p); });
  };
}

int run_on_every_profile(const std::string &file, RunOptions ro, const po::variables_map &vm,
                         const std::vector<std::string> &outputs,
                         const scenario::ParseOptions &parse_options) {
  bool writes =
      std::any_of(outputs.begin(), outputs.end(), [](const std::string &o) { return !o.empty(); });
  if (writes || !ro.dump_at.empty() || ro.dump_each_checkpoint || ro.timeline || ro.list_points)
    return usage_error("run: --kernel all prints a table only: no --trace, --json, --html, "
                       "dumps, timeline or --list-points with it");
  ro.kernel.reset();
  try {
    scenario::Scenario s = scenario::parse_file(file, parse_options);
    EveryProfileTable table = run_every_profile(s, ro);
    std::cout << table.text;
    return table.exit_code;
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    std::cerr << "ksmsim: run: " << file << ": out of memory\n";
    return 2;
  }
}

} // namespace ksmsim::cli
