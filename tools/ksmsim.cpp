// SPDX-License-Identifier: GPL-2.0-only
//
// The ksmsim command line. It parses arguments, runs the library and writes
// the outputs; it holds no simulation logic.
#include <fmt/format.h>
#include <iostream>

#include "tools/cli.h"

using namespace ksmsim::cli;

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
                 "           reaches; exit 1 when a placement oopses or breaks an invariant\n"
                 "  report   run a scenario and write one self-contained HTML page: the counters'\n"
                 "           chart, the checkpoints' expectations and pictures (docs/report.md)\n"
                 "  step     run a scenario step by step and ksmd page by page, narrated (help\n"
                 "           inside lists the commands; --script CMDS reads them from a file)\n";
    return 0;
  }
  if (args[0] == "--version")
    return std::cout << "ksmsim " KSMSIM_VERSION "\n", 0;
  if (args[0] == "run")
    return cmd_run({args.begin() + 1, args.end()});
  if (args[0] == "explore")
    return cmd_explore({args.begin() + 1, args.end()});
  if (args[0] == "diff")
    return cmd_diff({args.begin() + 1, args.end()});
  if (args[0] == "record")
    return cmd_record({args.begin() + 1, args.end()});
  if (args[0] == "compare")
    return cmd_compare({args.begin() + 1, args.end()});
  if (args[0] == "report")
    return cmd_report({args.begin() + 1, args.end()});
  if (args[0] == "step")
    return cmd_step({args.begin() + 1, args.end()});
  return usage_error(fmt::format("unknown command '{}'", args[0]));
}
