// SPDX-License-Identifier: GPL-2.0-only
//
// include/ksmsim/simulation.h over the stepping runner (sim/run/stepping.h),
// the inspection of the state (sim/inspect/) and the kernel's trace.
#include "ksmsim/simulation.h"

#include <stdexcept>
#include <utility>

#include "model/mm/kernel.h"
#include "sim/inspect/counters.h"
#include "sim/inspect/dump.h"
#include "sim/inspect/snapshot.h"
#include "sim/run/stepping.h"
#include "sim/step/page_names.h"

namespace ksmsim {

struct Simulation::Impl {
  scenario::Scenario scenario;
  RunOptions opt;
  std::function<void(const TraceEvent &)> on_trace;
  std::unique_ptr<Kernel> kernel;
  std::unique_ptr<SteppingRunner> runner;
  std::size_t next = 0;
  std::optional<RunResult> result; // set by finish()

  Impl(scenario::Scenario s, SimulationOptions o) : scenario(std::move(s)) {
    opt.kernel = std::move(o.kernel);
    opt.check = o.check;
    on_trace = std::move(o.on_trace);
    if (on_trace) {
      // The lines go to the callback only: nothing piles up in memory.
      opt.trace = true;
      opt.trace_spill = [](std::string_view) {};
    }
    kernel = make_kernel(scenario, opt);
    if (on_trace)
      // Before start(): the initial `ksm:` sysfs writes are events too.
      kernel->trace.observe([this](const Task &task, std::uint64_t time_us, std::string_view event,
                                   std::string_view text) {
        on_trace(TraceEvent{task.comm, task.pid, task.cpu, time_us, event, text});
      });
    runner = make_stepping_runner(scenario, opt, *kernel);
    runner->start();
  }
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::Simulation(Simulation &&) noexcept = default;
Simulation &Simulation::operator=(Simulation &&) noexcept = default;
Simulation::~Simulation() = default;

Simulation Simulation::from_file(const std::string &path, SimulationOptions opt) {
  return Simulation(std::make_unique<Impl>(scenario::parse_file(path), std::move(opt)));
}

Simulation Simulation::from_text(const std::string &yaml, const std::string &name,
                                 SimulationOptions opt) {
  return Simulation(std::make_unique<Impl>(scenario::parse_text(yaml, name), std::move(opt)));
}

bool Simulation::step() {
  if (done())
    return false;
  // Counted first: a step that throws (a defect of the scenario) is behind us.
  const scenario::Step &st = impl_->scenario.steps[impl_->next++];
  impl_->runner->run_step(st);
  return true;
}

RunResult Simulation::run_to_end() {
  while (step()) {
  }
  return finish();
}

RunResult Simulation::finish() {
  if (!impl_->result)
    impl_->result = impl_->runner->finish();
  return *impl_->result;
}

std::size_t Simulation::step_count() const {
  return impl_->scenario.steps.size();
}

std::size_t Simulation::steps_done() const {
  return impl_->next;
}

bool Simulation::done() const {
  return impl_->result || impl_->next >= impl_->scenario.steps.size();
}

std::string Simulation::next_step_kind() const {
  return done() ? "" : impl_->scenario.steps[impl_->next].kind;
}

unsigned Simulation::scan_pages(unsigned n) {
  return impl_->result ? 0 : impl_->runner->scan_pages(n);
}

KsmCounters Simulation::counters() const {
  KsmCounters c;
  std::pair<const char *, std::uint64_t *> always[] = {{"pages_shared", &c.pages_shared},
                                                       {"pages_sharing", &c.pages_sharing},
                                                       {"stable_nodes", &c.stable_nodes},
                                                       {"rmap_items", &c.rmap_items}};
  std::pair<const char *, std::optional<std::uint64_t> *> files[] = {
      {"pages_unshared", &c.pages_unshared},
      {"pages_volatile", &c.pages_volatile},
      {"full_scans", &c.full_scans},
      {"migrate_nodes", &c.migrate_nodes},
      {"pages_scanned", &c.pages_scanned},
      {"pages_skipped", &c.pages_skipped},
      {"stable_node_chains", &c.stable_node_chains},
      {"stable_node_dups", &c.stable_node_dups}};
  std::pair<const char *, std::optional<std::int64_t> *> longs[] = {
      {"ksm_zero_pages", &c.ksm_zero_pages}, {"general_profit", &c.general_profit}};
  // ksm_counters lists only what the profile has: the rest stay empty.
  for (const auto &[name, value] : ksm_counters(*impl_->kernel)) {
    for (auto &[field, out] : always)
      if (name == field)
        *out = static_cast<std::uint64_t>(value);
    for (auto &[field, out] : files)
      if (name == field)
        *out = static_cast<std::uint64_t>(value);
    for (auto &[field, out] : longs)
      if (name == field)
        *out = value;
  }
  return c;
}

KsmState Simulation::state() const {
  const KsmSnapshot snap = take_snapshot(*impl_->kernel, impl_->runner->names().scenario_names());
  KsmState st;
  st.time_us = impl_->kernel->now_us;
  for (const TreeView &t : snap.stable_trees)
    st.stable_tree_nodes += t.nodes.size();
  for (const TreeView &t : snap.unstable_trees)
    st.unstable_tree_nodes += t.nodes.size();
  st.migrate_nodes = snap.migrate_nodes.size();
  st.mm_slots = snap.slots.size();
  st.scan_mm = snap.cursor.mm;
  return st;
}

std::optional<std::uint64_t> Simulation::sysfs(const std::string &file) const {
  std::uint64_t value = 0;
  if (!impl_->kernel->ksm.sysfs_show(file, &value))
    return std::nullopt;
  return value;
}

std::string Simulation::dump(const std::string &format) const {
  std::optional<DumpFormat> f = parse_dump_format(format);
  if (!f)
    throw std::invalid_argument("unknown dump format '" + format +
                                "' (expected text, json, dot or svg)");
  std::string error;
  std::optional<std::string> text =
      dump_state(*impl_->kernel, impl_->runner->names().scenario_names(), *f, &error);
  if (!text)
    throw std::runtime_error(error);
  return *text;
}

} // namespace ksmsim
