// SPDX-License-Identifier: GPL-2.0-only
//
// `--set KEY=VALUE` (repeatable): a value of the scenario file overridden
// (ksm.KNOB, machine.nodes|pages_per_node|swap_pages, params.NAME, seed);
// the parser checks the keys and values (sim/scenario/scenario_parser.cpp).
#pragma once

#include "ksmsim/scenario.h"
#include <boost/program_options.hpp>
#include <string>

namespace ksmsim::cli {

void add_set_option(boost::program_options::options_description &opts);
// The --set values into opt.overrides, in order; "" or what is wrong.
std::string read_set_options(const boost::program_options::variables_map &vm,
                             scenario::ParseOptions &opt);

} // namespace ksmsim::cli
