// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/stepper.h"

#include "model/mm/kernel.h"
#include "sim/run/stepping.h"

namespace ksmsim {

Stepper::Stepper(scenario::Scenario s, const RunOptions &opt) : s_(std::move(s)), opt_(opt) {
  kernel_ = make_kernel(s_, opt_);
  runner_ = make_stepping_runner(s_, opt_, *kernel_);
  runner_->observe_points([this](const char *point) {
    if (on_point)
      on_point(point);
  });
  runner_->start();
}

Stepper::~Stepper() = default;

void Stepper::run_next_step() {
  if (done())
    return;
  // Counted first: a step that throws (a defect of the scenario) is behind us.
  const scenario::Step &step = s_.steps[next_++];
  runner_->run_step(step);
}

unsigned Stepper::scan_pages(unsigned n) {
  return runner_->scan_pages(n);
}

const PageNames &Stepper::names() const {
  return runner_->names();
}

RunResult Stepper::finish() {
  return runner_->finish();
}

} // namespace ksmsim
