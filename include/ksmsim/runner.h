// SPDX-License-Identifier: GPL-2.0-only
//
// Running a parsed scenario: the simulated kernel, ksmd in virtual time,
// the steps, the expectations and the invariant checks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ksmsim/scenario.h"

namespace ksmsim {

enum class CheckMode { Step, Page, Off };

// RunResult::trace's format: the kernel's ftrace text, or the Chrome Trace
// Event Format's JSON (sim/trace/chrome_json.h).
enum class TraceFormat { ftrace, chrome_json };

// What RunOptions::progress is told: after each top-level step begins and
// ends, and after each ksmd batch. Virtual time and counts only.
struct RunProgress {
  enum class Event { StepBegin, StepEnd, Batch } event = Event::Batch;
  int step = 0;          // the top-level step (1-based), 0 before the first
  int line = 0;          // its line in the file
  std::string_view kind; // its kind ("write", "wait", ...)
  std::size_t steps = 0; // the scenario's top-level steps
  std::uint64_t time_us = 0;
  std::uint64_t full_scans = 0;
};

struct RunOptions {
  CheckMode check = CheckMode::Step;
  bool trace = false; // collect the trace
  TraceFormat trace_format = TraceFormat::ftrace;
  bool explain = false;              // with trace: the narration as ksmsim_explain lines
  std::optional<std::string> kernel; // overrides the scenario's kernel: ("v3.9 without a,b")
  bool list_points = false;          // count the preemption points each step reaches
  bool strict = false; // an unexpected warning, detector report or violation fails the run
  // false: the simulator's shortcuts (docs/perf.md) are forced off: the
  // kernel's way is taken everywhere, and --check=step checks the whole
  // machine after each step instead of what the step touched; the output is
  // the same bytes.
  bool shortcuts = true;
  // Dumps of the KSM state (sim/inspect/, docs/dump-format.md) in dump_format
  // (text, json, dot, svg): after the top-level steps listed, and after
  // every checkpoint (expect, dump, sample) with dump_each_checkpoint.
  std::vector<int> dump_at;
  bool dump_each_checkpoint = false;
  std::string dump_format = "text";
  // Counters over time (RunResult::timeline_*): a row after every ksmd
  // batch, or once per timeline_period_us of virtual time, and per sample.
  bool timeline = false;
  std::uint64_t timeline_period_us = 0;
  // With trace: the lines go here as they are made (a megabyte at a time)
  // instead of into RunResult::trace, which then holds nothing.
  std::function<void(std::string_view)> trace_spill;
  // Deterministic budgets: a run that would pass one ends with a
  // ScenarioError (exit 2) at the step where it happened. The defaults
  // hold every bundled scenario and tools/bench, and stop an absurd run
  // within about a minute.
  std::uint64_t max_virtual_time_us = 30ULL * 24 * 3600 * 1000 * 1000; // 30 days
  std::uint64_t max_ksmd_batches = 20'000'000;
  std::uint64_t max_steps = 1ULL << 20;
  // Called as the run goes (RunProgress); for a progress line on a
  // terminal. Never changes the run.
  std::function<void(const RunProgress &)> progress;
  // `--cost NAME|FILE`: a cost model (docs/cost-model.md) over the
  // scenario's `cost:`; a relative FILE is relative to the working directory.
  std::optional<std::string> cost;
};

// The /sys/kernel/mm/ksm files read at each `expect:` checkpoint, in the
// simulation and in a live replay alike (ksmsim compare sets them side by side).
inline constexpr const char *CHECKPOINT_COUNTERS[] = {
    "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans", "run"};
// ... and, on profiles that have them (6.x), these. pages_scanned and
// pages_skipped count from boot on a live kernel (run=2 does not reset
// them): a live replay reads them from its start.
inline constexpr const char *CHECKPOINT_COUNTERS_6X[] = {"pages_scanned",      "pages_skipped",
                                                         "ksm_zero_pages",     "general_profit",
                                                         "stable_node_chains", "stable_node_dups"};
// The per-mm /proc/PID/ksm_stat figures at each `expect:` checkpoint, on
// profiles that have them.
inline constexpr const char *CHECKPOINT_MM_STATS[] = {"ksm_rmap_items", "ksm_zero_pages",
                                                      "ksm_merging_pages", "ksm_process_profit"};

struct RunResult {
  int exit_code = 0;   // 0: all held; 1: an expectation failed or an unexpected oops
  std::string summary; // the human summary
  std::string json;    // the same for scripts
  std::string trace;   // the trace file's text, if asked for (and not spilled), in opt.trace_format
  std::size_t trace_entries = 0;
  std::string trace_names; // ftrace: `# ksmsim name HANDLE NAME` lines for after the header
  // What went wrong in the kernel, whatever the expectations said: oopses,
  // warnings and detector reports, in order (oops_headline's text).
  std::vector<std::string> oopses;
  // The same records, by what an expectation names: kind ("BUG",
  // "WARNING", "detector"), the function, and a detector's short name.
  struct KernelRecord {
    std::string kind, function, name;
  };
  std::vector<KernelRecord> records;
  std::vector<std::string> violations; // invariant violations
  // The /sys/kernel/mm/ksm counters at each `expect:` step, in order.
  // (and at each `dump:` and `sample:` step: kind tells which)
  struct Checkpoint {
    int step = 0;
    int line = 0;
    std::map<std::string, std::uint64_t> counters;
    std::string kind = "expect";
    std::uint64_t time_us = 0;
    // expect only, on profiles that have them: CHECKPOINT_MM_STATS of each
    // process that has not exited, by its name
    std::map<std::string, std::map<std::string, std::int64_t>> mm_stats;
  };
  std::vector<Checkpoint> checkpoints;
  // The dumps asked for, in order: a `dump:` step's (file as it gave it, or
  // empty: for stdout or --dump-dir) and those of RunOptions::dump_*.
  struct Dump {
    int step = 0;
    std::string format; // text, json, dot, svg
    std::string file;
    std::string text;
    std::string error; // why there is no text (svg without Graphviz)
  };
  std::vector<Dump> dumps;
  // Every top-level step as it finished: its index, line, kind and the
  // virtual time then (for the HTML report's markers).
  struct StepMark {
    int step = 0;
    int line = 0;
    std::string kind;
    std::uint64_t time_us = 0;
  };
  std::vector<StepMark> step_marks;
  std::string timeline_csv, timeline_jsonl; // with RunOptions::timeline
  // With list_points: step index -> point name -> times reached.
  std::map<int, std::map<std::string, std::uint64_t>> points;
};

// An interleaving the kernel's locks refuse (a nested step needs a lock the
// interrupted context holds): not a defect of the file, for explore.
class InterleaveRefused : public scenario::ScenarioError {
public:
  InterleaveRefused(const scenario::Location &loc, const std::string &message,
                    std::string lock = "")
      : ScenarioError(loc, message), lock_(std::move(lock)) {}
  // The lock that refused it (LockConflict's name), or "" when it was not a lock.
  const std::string &lock() const { return lock_; }

private:
  std::string lock_;
};

// Throws scenario::ScenarioError for a defect found while running (exit 2),
// for a budget passed, or when memory runs out.
RunResult run_scenario(const scenario::Scenario &s, const RunOptions &opt);

// The kernel profile named by text such as "v3.9" or "v3.9 without a,b".
// Throws std::invalid_argument with a message naming what is wrong.
struct ProfileSpec {
  std::string version = "v3.9";
  std::vector<std::string> without;
};
ProfileSpec parse_profile_text(const std::string &text);
const std::vector<std::string> &known_fix_names();
// The profile's canonical text: "v3.9" or "v3.9 without a,b" (fixes in
// known_fix_names' order), which parse_profile_text reads back.
std::string profile_text(const ProfileSpec &spec);

} // namespace ksmsim
