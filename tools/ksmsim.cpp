// SPDX-License-Identifier: GPL-2.0-only
//
// The ksmsim command line. It parses arguments, runs the library and writes
// the outputs; it holds no simulation logic. The commands are the rows of
// tools/commands.cpp; each answers its own --help (tools/help.h).
#include <fmt/format.h>
#include <iostream>

#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/help.h"
#include "tools/listings.h"
#include "tools/version.h"

using namespace ksmsim::cli;

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    return usage_error("no command");
  const std::string &first = args[0];
  if (first == "help" && args.size() > 1) {
    if (const CommandInfo *c = find_command(args[1]))
      return c->run({"--help"});
    return usage_error(fmt::format("help: unknown command '{}'", args[1]));
  }
  if (first == "--help" || first == "-h" || first == "help")
    return std::cout << top_level_help(), 0;
  if (first == "--version")
    return std::cout << version_line() << "\n", 0;
  if (first == "--list-kernels")
    return std::cout << kernel_list(), 0;
  if (first == "--list-points")
    return std::cout << point_list(), 0;
  if (const CommandInfo *c = find_command(first))
    return c->run({args.begin() + 1, args.end()});
  return usage_error(fmt::format("unknown command '{}'", first));
}
