// SPDX-License-Identifier: GPL-2.0-only
//
// What the ksmsim commands share: usage errors, option parsing, writing
// output files whole.
#pragma once

#include "ksmsim/record.h"
#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "ksmsim/runner.h"

namespace ksmsim::cli {

namespace po = boost::program_options;

extern const char *const USAGE;

// Print msg and the usage on stderr; returns exit status 2.
int usage_error(const std::string &msg);
// Parse a command's options with FILE as its one positional argument (or
// up to max_files of them, -1 for any number: "file" is then a vector);
// returns an error message, or "" when vm holds them.
std::string parse_command(const std::vector<std::string> &args, const po::options_description &opts,
                          po::variables_map &vm, int max_files = 1);
// A whole number in [min, max] from an option's text; negatives, signs and
// junk refused. "" on success, else the message.
std::string read_count(const po::variables_map &vm, const std::string &name, std::uint64_t min,
                       std::uint64_t max, std::uint64_t &out);
// The budgets' options (--max-virtual-time, --max-ksmd-batches,
// --max-steps) and reading them into ro; "" on success.
void add_budget_options(po::options_description &opts);
std::string read_budgets(const po::variables_map &vm, RunOptions &ro);
// --check step|page|off into ro.check; "" or what is wrong.
std::string read_check_mode(const std::string &text, RunOptions &ro);
// The options of commands that change the running kernel (record, compare).
void add_live_options(po::options_description &opts);
// 0 when the command may touch the live kernel: the flag was given and
// record_preflight passes; else the exit status, with the reason printed.
int check_live(const po::variables_map &vm, const std::string &command);
// The RecordOptions that add_live_options's flags give.
RecordOptions live_record_options(const po::variables_map &vm, const std::string &command);
// The version of --kernel's profile, or the scenario's kernel: line's;
// throws std::invalid_argument for a profile that does not parse.
std::string live_kernel(const po::variables_map &vm, const scenario::Scenario &s);

// The options' style of every command: Boost's default without prefix
// guessing (`--i` is not `--i-understand-this-changes-ksm`).
int option_style();
// Write a whole file or nothing (sim/io/output_file.h); "" on success,
// else the reason, naming the path. `inputs` may not be overwritten.
std::string write_file(const std::string &path, const std::string &text,
                       const std::vector<std::string> &inputs = {});

// The text of the scenario file (or "-": stdin), for parse_text; throws
// scenario::ScenarioError (file:0:0) when it cannot be read.
std::string read_scenario(const std::string &path);

// The commands.
int cmd_run(const std::vector<std::string> &args);
int cmd_explore(const std::vector<std::string> &args);
int cmd_diff(const std::vector<std::string> &args);    // tools/cmd_diff.cpp
int cmd_record(const std::vector<std::string> &args);  // tools/cmd_record.cpp
int cmd_compare(const std::vector<std::string> &args); // tools/cmd_compare.cpp
int cmd_step(const std::vector<std::string> &args);    // tools/cmd_step.cpp
int cmd_report(const std::vector<std::string> &args);  // tools/cmd_report.cpp
int cmd_sweep(const std::vector<std::string> &args);   // tools/cmd_sweep.cpp

} // namespace ksmsim::cli
