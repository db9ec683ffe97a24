// SPDX-License-Identifier: GPL-2.0-only
//
// What `ksmsim run` adds around one run: the progress line on a terminal
// (virtual time, full scans), -v's line per step on stderr, and
// `--kernel all` (one table of every kernel profile instead of one run).
#pragma once

#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "sim/io/progress_meter.h"
#include "tools/cli.h"

namespace ksmsim::cli {

// -v / --verbose.
void add_run_progress_options(po::options_description &opts);

// Sets ro.progress while it lives, if stderr is a terminal or -v was given.
class RunProgressOutput {
public:
  RunProgressOutput(const po::variables_map &vm, RunOptions &ro);
  void finish() { meter_.finish(); } // clears the progress line

private:
  io::ProgressMeter meter_;
  bool verbose_;
};

// `ksmsim run FILE --kernel all`: the table on stdout, the highest exit
// status of its rows. outputs: the file outputs asked for, which it refuses.
// The file is parsed with parse_options (--set).
int run_on_every_profile(const std::string &file, RunOptions ro, const po::variables_map &vm,
                         const std::vector<std::string> &outputs,
                         const scenario::ParseOptions &parse_options);

} // namespace ksmsim::cli
