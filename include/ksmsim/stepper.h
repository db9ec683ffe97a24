// SPDX-License-Identifier: GPL-2.0-only
//
// A scenario run one step at a time, and ksmd one batch of pages at a time
// (ksmsim step): load, run_next_step() until done(), scan_pages(n) between
// steps, finish() for the result run_scenario would give.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

class Kernel;
class PageNames;
class SteppingRunner;

class Stepper {
public:
  // Throws scenario::ScenarioError when the scenario's machine or ksm: is wrong.
  Stepper(scenario::Scenario s, const RunOptions &opt);
  ~Stepper();
  Stepper(const Stepper &) = delete;
  Stepper &operator=(const Stepper &) = delete;

  const scenario::Scenario &scenario() const { return s_; }
  bool done() const { return next_ >= s_.steps.size(); }
  std::size_t next_index() const { return next_; } // 0-based
  // Runs the next step (a sleep or wait lets ksmd run as usual); throws
  // scenario::ScenarioError for a defect of the step.
  void run_next_step();
  // ksmd takes n pages now; returns how many it scanned (0 if it would not run).
  unsigned scan_pages(unsigned n);
  Kernel &kernel() { return *kernel_; }
  const PageNames &names() const;
  // Called at every preemption point the kernel reaches.
  std::function<void(const char *point)> on_point;
  RunResult finish();

private:
  scenario::Scenario s_;
  RunOptions opt_;
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<SteppingRunner> runner_;
  std::size_t next_ = 0;
};

} // namespace ksmsim
