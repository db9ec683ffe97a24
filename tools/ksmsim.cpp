// SPDX-License-Identifier: GPL-2.0-only
//
// The ksmsim command line. It parses arguments, runs the library and writes
// the outputs; it holds no simulation logic.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <sstream>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <iostream>

#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace po = boost::program_options;

namespace {

const char *USAGE =
    "usage: ksmsim run FILE [--trace OUT] [--json OUT] [--check=step|page|off] [--quiet]\n"
    "                       [--kernel PROFILE] [--list-points]\n"
    "       ksmsim explore FILE [--kernel PROFILE] [--max-runs N] [--jobs N] [--out DIR]\n"
    "                           [--timing]\n"
    "       ksmsim --help | --version\n";

// Write a whole file or nothing: a temporary file renamed into place.
bool write_file(const std::string &path, const std::string &text) {
  std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(getpid()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !(f << text) || !f.flush()) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

std::string points_listing(const ksmsim::scenario::Scenario &s, const ksmsim::RunResult &r) {
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

int usage_error(const std::string &msg) {
  std::cerr << "ksmsim: " << msg << "\n" << USAGE;
  return 2;
}

// Parse a command's options with FILE as its one positional argument;
// returns an error message, or "" when vm holds them.
std::string parse_command(const std::vector<std::string> &args, const po::options_description &opts,
                          po::variables_map &vm) {
  po::positional_options_description pos;
  pos.add("file", 1);
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error &e) {
    return e.what();
  }
  return vm.count("file") ? "" : "a scenario FILE is needed";
}

int cmd_run(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim run options");
  std::string trace_out, json_out, check = "step", kernel;
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "trace", po::value<std::string>(&trace_out), "write the trace (ftrace text format) to OUT")(
      "json", po::value<std::string>(&json_out), "write the results as JSON to OUT")(
      "check", po::value<std::string>(&check), "invariant checks: step (default), page or off")(
      "quiet", "print nothing when every expectation holds")(
      "list-points", "print the preemption points each step reaches, with counts")(
      "kernel", po::value<std::string>(&kernel),
      "kernel profile, e.g. 'v3.9 without stale-stable-sweep'");
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("run: " + err);
  ksmsim::RunOptions ro;
  if (check == "step")
    ro.check = ksmsim::CheckMode::Step;
  else if (check == "page")
    ro.check = ksmsim::CheckMode::Page;
  else if (check == "off")
    ro.check = ksmsim::CheckMode::Off;
  else
    return usage_error(fmt::format("--check takes step, page or off, not '{}'", check));
  if (vm.count("kernel"))
    ro.kernel = kernel;
  ro.trace = !trace_out.empty();
  ro.list_points = vm.count("list-points") > 0;
  const std::string file = vm["file"].as<std::string>();
  ksmsim::RunResult result;
  ksmsim::scenario::Scenario s;
  try {
    s = ksmsim::scenario::parse_file(file);
    result = ksmsim::run_scenario(s, ro);
  } catch (const ksmsim::scenario::ScenarioError &e) {
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
  if (!vm.count("quiet") || result.exit_code != 0)
    std::cout << result.summary;
  if (ro.list_points)
    std::cout << points_listing(s, result);
  return result.exit_code;
}

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
  ksmsim::ExploreOptions eo;
  eo.max_runs = max_runs;
  eo.jobs = jobs;
  if (vm.count("kernel"))
    eo.run.kernel = kernel;
  auto t0 = std::chrono::steady_clock::now();
  ksmsim::ExploreResult result;
  ksmsim::scenario::Scenario s;
  try {
    s = ksmsim::scenario::parse_file(file);
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    result = ksmsim::explore(s, text.str(), eo);
  } catch (const ksmsim::scenario::ScenarioError &e) {
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
  for (const ksmsim::Placement &p : result.runs) {
    if (p.outcome == ksmsim::Placement::Outcome::Refused) {
      refused++;
      continue;
    }
    if (p.outcome == ksmsim::Placement::Outcome::Clean)
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

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    return usage_error("no command");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << "ksmsim " KSMSIM_VERSION ": a deterministic simulator of Linux 3.9 KSM\n\n"
              << USAGE
              << "\n  run      replay a scenario (see docs/ and the scenario format v1)\n"
                 "           exit 0: every expectation held; 1: one failed or the kernel oopsed\n"
                 "           unexpectedly; 2: the scenario or the command line is wrong\n"
                 "  explore  replay a scenario once per preemption point its `explore: true` step\n"
                 "           reaches; exit 1 when a placement oopses or breaks an invariant\n";
    return 0;
  }
  if (args[0] == "--version")
    return std::cout << "ksmsim " KSMSIM_VERSION "\n", 0;
  if (args[0] == "run")
    return cmd_run({args.begin() + 1, args.end()});
  if (args[0] == "explore")
    return cmd_explore({args.begin() + 1, args.end()});
  return usage_error(fmt::format("unknown command '{}'", args[0]));
}
