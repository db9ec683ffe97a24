// SPDX-License-Identifier: GPL-2.0-only
#include "tools/set_option.h"

namespace ksmsim::cli {

namespace po = boost::program_options;

void add_set_option(po::options_description &opts) {
  opts.add_options()("set", po::value<std::vector<std::string>>()->composing(),
                     "KEY=VALUE: override a value of the file (ksm.KNOB, machine.nodes, "
                     "machine.pages_per_node, machine.swap_pages, params.NAME, seed); repeatable");
}

std::string read_set_options(const po::variables_map &vm, scenario::ParseOptions &opt) {
  if (!vm.count("set"))
    return "";
  for (const std::string &arg : vm["set"].as<std::vector<std::string>>()) {
    std::optional<scenario::Override> o = scenario::split_override(arg);
    if (!o)
      return "--set takes KEY=VALUE, not '" + arg + "'";
    opt.overrides.push_back(*o);
  }
  return "";
}

} // namespace ksmsim::cli
