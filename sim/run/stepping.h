// SPDX-License-Identifier: GPL-2.0-only
//
// The runner driven one step at a time (include/ksmsim/stepper.h builds on
// it): run_scenario is start(), every step, finish().
#pragma once

#include <functional>
#include <memory>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

class Kernel;
class PageNames;

class SteppingRunner {
public:
  virtual ~SteppingRunner() = default;
  virtual void start() = 0;
  virtual void run_step(const scenario::Step &step) = 0;
  // ksmd takes n pages now (outside virtual time); returns the pages scanned.
  virtual unsigned scan_pages(unsigned n) = 0;
  virtual RunResult finish() = 0;
  virtual const PageNames &names() const = 0;
  // Called at every preemption point reached (set before start()).
  virtual void observe_points(std::function<void(const char *)> fn) = 0;
};

// The kernel a scenario describes (throws ScenarioError).
std::unique_ptr<Kernel> make_kernel(const scenario::Scenario &s, const RunOptions &opt);
std::unique_ptr<SteppingRunner> make_stepping_runner(const scenario::Scenario &s,
                                                     const RunOptions &opt, Kernel &k);

} // namespace ksmsim
