// SPDX-License-Identifier: GPL-2.0-only
#include "tools/cli.h"

#include "ksmsim/record.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/io/input_file.h"
#include "sim/io/output_file.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>

namespace ksmsim::cli {

const char *const USAGE =
    "usage: ksmsim run FILE [--trace OUT [--trace-format ftrace|chrome-json]] [--json OUT]\n"
    "                       [--check=step|page|off] [--quiet] [--strict] [--kernel PROFILE]\n"
    "                       [--list-points] [--trace-level explain] [--max-virtual-time T]\n"
    "                       [--max-ksmd-batches N] [--max-steps N] [--html OUT] [-v]\n"
    "                       [--kernel all] [--no-shortcuts] [--set KEY=VALUE]...\n"
    "       ksmsim run FILE|DIR... [--format human|tap|junit] [--jobs N] [--quiet] [--strict]\n"
    "                              [--kernel PROFILE] [--check=step|page|off]\n"
    "       ksmsim report FILE -o OUT [--kernel PROFILE] [--check=step|page|off]\n"
    "                          [--timeline-period MS]\n"
    "       ksmsim step FILE [--script CMDS|-] [--kernel PROFILE]\n"
    "       ksmsim explore FILE [--kernel PROFILE] [--max-runs N] [--jobs N] [--out DIR]\n"
    "                           [--timing] [--emit-regression DIR] [-v] [--kernel all]\n"
    "       ksmsim record FILE --i-understand-this-changes-ksm [--trace OUT] [--json OUT]\n"
    "                          [--kernel PROFILE]\n"
    "       ksmsim compare FILE --i-understand-this-changes-ksm [--trace-dir DIR]\n"
    "                           [--kernel PROFILE]\n"
    "       ksmsim diff A B [--context N] [--only EVENT] [--ignore EVENT] [--tasks] [--marks]\n"
    "                       [--json OUT]\n"
    "       ksmsim COMMAND --help | --help | --version | --list-kernels | --list-points\n";

int option_style() {
  return po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
}

std::string write_file(const std::string &path, const std::string &text,
                       const std::vector<std::string> &inputs) {
  return io::write_output(path, text, inputs);
}

std::string read_count(const po::variables_map &vm, const std::string &name, std::uint64_t min,
                       std::uint64_t max, std::uint64_t &out) {
  if (!vm.count(name))
    return "";
  const std::string text = vm[name].as<std::string>();
  std::uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9' && v <= (UINT64_MAX - (c - '0')) / 10;
    if (ok)
      v = v * 10 + std::uint64_t(c - '0');
  }
  if (!ok || v < min || v > max)
    return fmt::format("--{} takes a whole number from {} to {}, not '{}'", name, min, max, text);
  out = v;
  return "";
}

void add_budget_options(po::options_description &opts) {
  opts.add_options()("max-virtual-time", po::value<std::string>(),
                     "stop (exit 2) before virtual time passes this (default 30 days; 250ms, 2s)")(
      "max-ksmd-batches", po::value<std::string>(),
      "stop (exit 2) before ksmd runs more batches (default 20000000)")(
      "max-steps", po::value<std::string>(),
      "stop (exit 2) before more steps run (default 1048576)");
}

std::string read_check_mode(const std::string &text, RunOptions &ro) {
  if (text == "step")
    ro.check = CheckMode::Step;
  else if (text == "page")
    ro.check = CheckMode::Page;
  else if (text == "off")
    ro.check = CheckMode::Off;
  else
    return fmt::format("--check takes step, page or off, not '{}'", text);
  return "";
}

std::string read_budgets(const po::variables_map &vm, RunOptions &ro) {
  if (vm.count("max-virtual-time")) {
    const std::string text = vm["max-virtual-time"].as<std::string>();
    std::optional<scenario::Micros> t = scenario::parse_duration(text);
    if (!t || *t == 0 || *t > (1ULL << 60))
      return fmt::format("--max-virtual-time takes a duration such as 90s or 250ms (at most 2^60 "
                         "us), not '{}'",
                         text);
    ro.max_virtual_time_us = *t;
  }
  if (std::string e = read_count(vm, "max-ksmd-batches", 1, UINT64_MAX, ro.max_ksmd_batches);
      !e.empty())
    return e;
  return read_count(vm, "max-steps", 1, UINT64_MAX, ro.max_steps);
}

std::string read_scenario(const std::string &path) {
  std::string why;
  std::optional<std::string> text = io::read_input(path, why);
  if (!text)
    throw scenario::ScenarioError(scenario::Location{path, 0, 0}, why);
  return *text;
}

int usage_error(const std::string &msg) {
  std::cerr << "ksmsim: " << msg << "\n" << USAGE;
  return 2;
}

std::string parse_command(const std::vector<std::string> &args, const po::options_description &opts,
                          po::variables_map &vm, int max_files) {
  po::positional_options_description pos;
  pos.add("file", max_files);
  try {
    po::store(
        po::command_line_parser(args).options(opts).positional(pos).style(option_style()).run(),
        vm);
    po::notify(vm);
  } catch (const po::error &e) {
    return e.what();
  }
  return vm.count("file") ? "" : "a scenario FILE is needed";
}

void add_live_options(po::options_description &opts) {
  opts.add_options()("i-understand-this-changes-ksm",
                     "allow changing the running kernel's KSM settings (saved and restored)")(
      "live", "the same as --i-understand-this-changes-ksm")(
      "max-live-time", po::value<double>()->default_value(600),
      "SECONDS of real time that sleep, at: and wait may take live, together")(
      "unmerge-others", "record even while other processes use KSM (run=2 unmerges them)")(
      "kernel", po::value<std::string>(),
      "the simulated kernel PROFILE the replay is for (the scenario's kernel: by default): before "
      "v6.15 the knobs 3.9 lacks are pinned, on v6.15 nothing is");
}

RecordOptions live_record_options(const po::variables_map &vm, const std::string &command) {
  RecordOptions ro;
  ro.max_live_ms =
      static_cast<std::uint64_t>(std::max(0.0, vm["max-live-time"].as<double>()) * 1000);
  ro.unmerge_others = vm.count("unmerge-others") > 0;
  ro.command = command + " " + vm["file"].as<std::string>();
  return ro;
}

std::string live_kernel(const po::variables_map &vm, const scenario::Scenario &s) {
  if (!vm.count("kernel"))
    return s.kernel.version;
  return parse_profile_text(vm["kernel"].as<std::string>()).version; // throws invalid_argument
}

int check_live(const po::variables_map &vm, const std::string &command) {
  if (!vm.count("i-understand-this-changes-ksm") && !vm.count("live"))
    return usage_error(command + " changes the running kernel's KSM state (every knob is saved and "
                                 "restored): give --i-understand-this-changes-ksm (or --live)");
  if (std::string why = record_preflight(RecordOptions{}); !why.empty()) {
    std::cerr << "ksmsim: " << command << ": " << why << "\n";
    return 2;
  }
  return 0;
}

} // namespace ksmsim::cli
