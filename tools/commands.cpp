// SPDX-License-Identifier: GPL-2.0-only
#include "tools/commands.h"

#include "tools/cli.h"

namespace ksmsim::cli {

namespace {

const char *const BAD_INPUT =
    "the command line or the scenario is wrong (file:line:column: and what was expected), an "
    "input cannot be read or an output written, a budget (--max-*) was passed, or memory ran out";
const char *const LIVE_REFUSED =
    "the command line or the scenario is wrong, --i-understand-this-changes-ksm is missing, this "
    "kernel cannot be recorded on (not root, no KSM, no tracefs), the recording failed, an output "
    "cannot be written, or a KSM knob could not be restored";

} // namespace

const std::vector<CommandInfo> &commands() {
  static const std::vector<CommandInfo> table = {
      {"run",
       "FILE",
       "replay a scenario and check its expectations",
       "Replays the scenario FILE (YAML, docs/scenario-format.md) on the simulated kernel and\n"
       "prints a summary: each expectation, oops, warning and invariant violation.",
       {{0, "every step ran and every expectation held"},
        {1, "an expectation failed, a step failed unexpectedly or the kernel oopsed without an "
            "expect: {oops: FUNCTION} for it (under --strict also an unexpected warning, detector "
            "report or invariant violation)"},
        {2, BAD_INPUT}},
       cmd_run},
      {"explore",
       "FILE",
       "replay a scenario once per preemption point its explore step reaches",
       "Replays FILE once per preemption point that its `interleave: {explore: true, ...}` step\n"
       "reaches, and writes each placement that oopses or breaks an invariant as a\n"
       "ready-to-run scenario into --out.",
       {{0, "no placement oopses or breaks an invariant"},
        {1, "at least one does (each is written to --out)"},
        {2, BAD_INPUT}},
       cmd_explore},
      {"report",
       "FILE -o OUT",
       "run a scenario and write one self-contained HTML page",
       "Runs FILE and writes one self-contained HTML page (docs/report.md): the counters' chart\n"
       "with the steps, checkpoints and oopses marked, each checkpoint's expectations and its\n"
       "picture. The summary is printed only when the run fails.",
       {{0, "every step ran and every expectation held"},
        {1, "an expectation failed, a step failed unexpectedly or the kernel oopsed (as for run)"},
        {2, BAD_INPUT}},
       cmd_report},
      {"sweep",
       "FILE --grid KEY=V1,V2,...",
       "run a scenario at every point of a grid of --set values, one CSV row each",
       "Runs FILE once per point of the grid that the --grid axes span (--set's keys; the\n"
       "first axis varies slowest, then each seed of --seeds) with a cost model, on the local\n"
       "cores or over MPI ranks (mpirun, srun), and writes one CSV row per point in grid\n"
       "order: ksmd's CPU%, pages scanned/s, the time to 50/90/100% of the final sharing, the\n"
       "memory saved and the final counters (docs/sweep.md).",
       {{0, "every point ran with exit 0"},
        {1, "a point's run exited 1 or 2 (its row says which, and why)"},
        {2, "the command line or the scenario is wrong (a --grid or --set key or value the file "
            "refuses), an input cannot be read or an output written, or memory ran out"}},
       cmd_sweep},
      {"step",
       "FILE",
       "run a scenario step by step and ksmd page by page, narrated",
       "Runs FILE one step at a time (next [N]) and ksmd one page at a time (scan [N]), saying\n"
       "what cmp_and_merge_page did and why (docs/step.md). Interactive on a terminal; the\n"
       "command `help` lists the session's commands.",
       {{0, "the session ended (quit, or the end of the commands); a command's error is printed "
            "and the session goes on"},
        {2, "the command line or the scenario is wrong, or FILE or CMDS cannot be read"}},
       cmd_step},
      {"record",
       "FILE --i-understand-this-changes-ksm",
       "replay a scenario with real processes on the running kernel (root)",
       "Replays FILE with real processes on the running kernel's KSM (root; every KSM knob is\n"
       "saved and restored) and prints each step's counters (docs/live.md).",
       {{0, "every step ran live and its expectations held"},
        {1, "a step or an expectation failed live, or a signal interrupted the recording (the "
            "knobs were restored)"},
        {2, LIVE_REFUSED}},
       cmd_record},
      {"compare",
       "FILE --i-understand-this-changes-ksm",
       "put the simulation and a live replay side by side (root)",
       "Runs FILE on the simulator and live on the running kernel (as record), prints the\n"
       "counters of both at every expect: checkpoint, then the trace diff (docs/live.md).",
       {{0, "the counters agree at every expect: checkpoint (the trace diff is only printed)"},
        {1, "a counter differs at a checkpoint, or a signal interrupted the live replay"},
        {2, LIVE_REFUSED}},
       cmd_compare},
      {"diff",
       "A B",
       "compare two ftrace traces (ksmsim's or a real kernel's)",
       "Compares the traces A and B (ksmsim's, a kernel's /sys/kernel/tracing/trace or\n"
       "trace-cmd report output) once what differs by nature is dropped, naming pointers and\n"
       "pfns by first appearance (docs/trace-diff.md).",
       {{0, "the traces are equivalent"},
        {1, "they differ"},
        {2, "the command line is wrong, a trace cannot be read or parsed, or --json cannot be "
            "written"}},
       cmd_diff},
  };
  return table;
}

const CommandInfo *find_command(std::string_view name) {
  for (const CommandInfo &c : commands())
    if (name == c.name)
      return &c;
  return nullptr;
}

} // namespace ksmsim::cli
