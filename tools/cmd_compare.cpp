// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim compare FILE`: the simulation and a live replay of the same
// scenario, side by side at every `expect:` checkpoint, then the trace diff.
#include <fmt/format.h>
#include <iostream>
#include <sstream>

#include "ksmsim/record.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "ksmsim/tracediff.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

namespace {

// The table of counters at each checkpoint; returns how many differ.
int checkpoint_table(const RunResult &sim, const RecordResult &live, std::string *out) {
  int differ = 0;
  *out += fmt::format("{:>5} {:>5}  {:<16} {:>10} {:>10}\n", "step", "line", "counter", "simulated",
                      "live");
  for (const RunResult::Checkpoint &cp : sim.checkpoints) {
    if (cp.kind != "expect")
      continue; // dump: and sample: steps: nothing to compare with live
    const StepRecord *rec = nullptr;
    for (const StepRecord &r : live.steps)
      if (r.step == cp.step)
        rec = &r;
    if (!rec || rec->status.rfind("skipped", 0) == 0) {
      *out += fmt::format("{:>5} {:>5}  (not replayed live: {})\n", cp.step, cp.line,
                          rec ? rec->status : "no record");
      continue;
    }
    for (const auto &[name, value] : cp.counters) {
      auto it = rec->counters.find(name);
      bool same = it != rec->counters.end() && it->second == value;
      differ += !same;
      *out += fmt::format("{:>5} {:>5}  {:<16} {:>10} {:>10}{}\n", cp.step, cp.line, name, value,
                          it == rec->counters.end() ? "-" : std::to_string(it->second),
                          same ? "" : "   <- differs");
    }
  }
  return differ;
}

tracediff::Trace trace_of(const std::string &text, const std::string &name) {
  std::istringstream in(text);
  return tracediff::parse_trace(in, name);
}

} // namespace

int cmd_compare(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim compare options");
  std::string trace_dir;
  opts.add_options()("file", po::value<std::string>(),
                     "the scenario")("trace-dir", po::value<std::string>(&trace_dir),
                                     "also write simulated.trace and live.trace here");
  add_live_options(opts);
  if (int status = answer_help("compare", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("compare: " + err);
  if (std::string err = check_directory({"--trace-dir", trace_dir}); !err.empty())
    return usage_error("compare: " + err);
  if (int status = check_live(vm, "compare"))
    return status;
  RecordOptions ro = live_record_options(vm, "compare");
  scenario::Scenario s;
  RunResult sim;
  RecordResult live;
  try {
    s = scenario::parse_file(vm["file"].as<std::string>());
    RunOptions opt;
    opt.trace = true;
    sim = run_scenario(s, opt);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "ksmsim: compare: " << e.what() << "\n";
    return 2;
  }
  live = record_live(s, ro); // never throws: restores on every way out
  std::cerr << live.notes("compare");
  if (!live.error.empty() && live.steps.empty())
    return live.exit_code; // refused: nothing was recorded
  for (const auto &[name, text] :
       {std::pair{"simulated.trace", &sim.trace}, {"live.trace", &live.trace}})
    if (std::string err = trace_dir.empty() ? ""
                                            : write_file(trace_dir + "/" + name, *text,
                                                         {vm["file"].as<std::string>()});
        !err.empty()) {
      std::cerr << "ksmsim: compare: " << err << "\n";
      return 2;
    }
  std::string out = fmt::format("compare {}: simulated (kernel v3.9) and live (Linux {}; {})\n\n",
                                s.name, live.kernel_release, fmt::join(live.pinned, ", "));
  int differ = checkpoint_table(sim, live, &out);
  out += fmt::format("\n{} counter(s) differ at the checkpoints\n\n", differ);
  tracediff::Options dopt;
  tracediff::Result d =
      tracediff::diff(trace_of(sim.trace, "simulated"), trace_of(live.trace, "live"), dopt);
  out += tracediff::text_report(d, dopt.context);
  std::cout << out;
  if (live.exit_code == 2)
    return 2; // not all restored, or the recording failed
  return differ || live.interrupted ? 1 : 0;
}

} // namespace ksmsim::cli
