// SPDX-License-Identifier: GPL-2.0-only
#include "tools/cli.h"

#include "ksmsim/record.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <iostream>

namespace ksmsim::cli {

const char *const USAGE =
    "usage: ksmsim run FILE [--trace OUT [--trace-format ftrace|chrome-json]] [--json OUT]\n"
    "                       [--check=step|page|off] [--quiet] [--strict] [--kernel PROFILE]\n"
    "                       [--list-points] [--trace-level explain]\n"
    "       ksmsim step FILE [--script CMDS|-] [--kernel PROFILE]\n"
    "       ksmsim explore FILE [--kernel PROFILE] [--max-runs N] [--jobs N] [--out DIR]\n"
    "                           [--timing]\n"
    "       ksmsim record FILE --i-understand-this-changes-ksm [--trace OUT] [--json OUT]\n"
    "       ksmsim compare FILE --i-understand-this-changes-ksm [--trace-dir DIR]\n"
    "       ksmsim diff A B [--context N] [--only EVENT] [--ignore EVENT] [--tasks] [--marks]\n"
    "                       [--json OUT]\n"
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

int usage_error(const std::string &msg) {
  std::cerr << "ksmsim: " << msg << "\n" << USAGE;
  return 2;
}

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

void add_live_options(po::options_description &opts) {
  opts.add_options()("i-understand-this-changes-ksm",
                     "allow changing the running kernel's KSM settings (saved and restored)")(
      "live", "the same as --i-understand-this-changes-ksm")(
      "max-live-time", po::value<double>()->default_value(600),
      "SECONDS of real time that sleep, at: and wait may take live, together")(
      "unmerge-others", "record even while other processes use KSM (run=2 unmerges them)");
}

RecordOptions live_record_options(const po::variables_map &vm, const std::string &command) {
  RecordOptions ro;
  ro.max_live_ms =
      static_cast<std::uint64_t>(std::max(0.0, vm["max-live-time"].as<double>()) * 1000);
  ro.unmerge_others = vm.count("unmerge-others") > 0;
  ro.command = command + " " + vm["file"].as<std::string>();
  return ro;
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
