// SPDX-License-Identifier: GPL-2.0-only
//
// The help of the ksmsim commands, printed from each command's own
// options_description (so that it names every option the command takes):
// `ksmsim COMMAND --help`, `ksmsim COMMAND --list-options` (what the bash
// completion reads) and `ksmsim --help`.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "tools/commands.h"

namespace ksmsim::cli {

namespace po = boost::program_options;

// Adds -h/--help and --list-options to opts. When args ask for either
// (anywhere but as another option's value), prints it on stdout and returns
// 0; else returns -1 and the command goes on. Call it once opts is complete.
int answer_help(const std::string &command, const std::vector<std::string> &args,
                po::options_description &opts);

// `ksmsim COMMAND --help`: the usage line, what the command does, one line
// per option, what '-' means, the exit statuses.
std::string command_help(const CommandInfo &c, const po::options_description &opts);
// `ksmsim COMMAND --list-options`: one line per option, "--name" or
// "--name VALUE" (and "-n VALUE" for a short name), in the description's
// order; the positional arguments are left out.
std::string option_list(const po::options_description &opts);
// `ksmsim --help`: every command with its summary, the top-level options
// and the exit-status convention.
std::string top_level_help();

// What an option's value is called: the value_name the option was given,
// else this CLI's name for it (OUT, DIR, PROFILE, N, step|page|off...), or
// "" when the option takes no value.
std::string value_name(const po::option_description &o);
// The options that stand for positional arguments (FILE, A B).
bool is_positional(const po::option_description &o);

} // namespace ksmsim::cli
