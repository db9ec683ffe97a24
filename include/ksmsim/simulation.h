// SPDX-License-Identifier: GPL-2.0-only
//
// The library's entry point for other programs (docs/library.md): load a
// scenario from a file or a string, run it one step at a time, read the
// /sys/kernel/mm/ksm counters and the shape of KSM's trees between steps,
// and watch the trace events as the simulated kernel emits them. A thin
// facade over the Stepper (ksmsim/stepper.h); nothing of the simulated
// kernel is visible here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ksmsim/runner.h"   // RunResult, CheckMode
#include "ksmsim/scenario.h" // ScenarioError

namespace ksmsim {

// One trace event as it is emitted: a line of the ftrace text is
// "TASK-PID [CPU] ..... SECONDS: EVENT: TEXT". The views live for the call.
struct TraceEvent {
  std::string_view task; // the comm: a scenario process, "ksmd"
  int pid = 0;
  int cpu = 0;
  std::uint64_t time_us = 0; // virtual time
  std::string_view event;    // "ksm_merge_one_page", "ksmsim_step", "tracing_mark_write"
  std::string_view text;     // what the event printed
};

// The /sys/kernel/mm/ksm counters, and how many stable_nodes are in a
// stable tree or on migrate_nodes, and how many rmap_items exist.
struct KsmCounters {
  std::uint64_t pages_shared = 0;
  std::uint64_t pages_sharing = 0;
  // Files or lists a profile may lack: empty there, not 0 (v2.6.32 has no
  // pages_unshared, pages_volatile, full_scans and no migrate_nodes).
  std::optional<std::uint64_t> pages_unshared;
  std::optional<std::uint64_t> pages_volatile;
  std::optional<std::uint64_t> full_scans;
  std::uint64_t stable_nodes = 0;
  std::optional<std::uint64_t> migrate_nodes;
  std::uint64_t rmap_items = 0;
  // The 6.x files (v6.15): empty on an older profile.
  std::optional<std::uint64_t> pages_scanned;
  std::optional<std::uint64_t> pages_skipped;
  std::optional<std::int64_t> ksm_zero_pages; // a long
  std::optional<std::uint64_t> stable_node_chains;
  std::optional<std::uint64_t> stable_node_dups;
  std::optional<std::int64_t> general_profit; // a long: negative while rmap_items cost more
};

// The shape of KSM's state now, summed over the NUMA nodes' trees.
struct KsmState {
  std::uint64_t time_us = 0;           // virtual time
  std::size_t stable_tree_nodes = 0;   // rb_nodes in the stable trees
  std::size_t unstable_tree_nodes = 0; // rb_nodes in the unstable trees
  std::size_t migrate_nodes = 0;       // stable_nodes on migrate_nodes
  std::size_t mm_slots = 0;            // mms on ksm_mm_head's list
  std::string scan_mm;                 // the mm of ksm_scan's mm_slot ("" between full scans)
};

struct SimulationOptions {
  // Replays the scenario on another kernel profile ("v3.9 without stale-stable-sweep").
  std::optional<std::string> kernel;
  // When the invariant checker runs: after every step, after every page, never.
  CheckMode check = CheckMode::Step;
  // Every trace event, as it is emitted (the trace is kept nowhere else):
  // from inside the simulated kernel, so it must not call this Simulation.
  std::function<void(const TraceEvent &)> on_trace;
};

class Simulation {
public:
  // Both throw scenario::ScenarioError ("file:line:column: what") when the
  // scenario cannot be read, is wrong, or its machine cannot be built.
  static Simulation from_file(const std::string &path, SimulationOptions opt = {});
  static Simulation from_text(const std::string &yaml, const std::string &name = "<text>",
                              SimulationOptions opt = {});
  Simulation(Simulation &&) noexcept;
  Simulation &operator=(Simulation &&) noexcept;
  ~Simulation();

  // Runs the next step (a sleep or wait lets ksmd run in virtual time);
  // false when no step was left, or after finish(). Throws
  // scenario::ScenarioError for a defect found while running it.
  bool step();
  // Runs the remaining steps, then finish().
  RunResult run_to_end();
  // The result run_scenario would give for the steps run so far (exit
  // code, summary, JSON, oopses); no step runs after it.
  RunResult finish();

  std::size_t step_count() const;
  std::size_t steps_done() const;
  bool done() const;
  // The next step's kind ("write", "wait", ...), "" when done().
  std::string next_step_kind() const;
  // ksmd scans n pages now, between steps; returns how many it scanned.
  unsigned scan_pages(unsigned n);

  KsmCounters counters() const;
  KsmState state() const;
  // A /sys/kernel/mm/ksm file's value (run, pages_to_scan, ...), if it has one.
  std::optional<std::uint64_t> sysfs(const std::string &file) const;
  // The state as `ksmsim run --dump-at` writes it: "text", "json", "dot"
  // or "svg". Throws std::invalid_argument for another format and
  // std::runtime_error when it cannot be made (svg without Graphviz).
  std::string dump(const std::string &format = "text") const;

private:
  struct Impl;
  explicit Simulation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace ksmsim
