// SPDX-License-Identifier: GPL-2.0-only
// docs/library.md's example: a scenario run step by step through the
// ksmsim library, counting merges in the trace as they happen.
#include <iostream>
#include <ksmsim/simulation.h>

int main(int argc, char *argv[]) try {
  if (argc != 2)
    return std::cerr << "usage: example SCENARIO.yaml\n", 2;
  int merges = 0;
  ksmsim::SimulationOptions opt;
  opt.on_trace = [&](const ksmsim::TraceEvent &e) {
    merges += e.event == "ksm_merge_with_ksm_page";
  };
  ksmsim::Simulation sim = ksmsim::Simulation::from_file(argv[1], opt);
  while (sim.step())
    if (sim.next_step_kind() == "expect")
      std::cout << "before step " << sim.steps_done() + 1 << ": pages_sharing "
                << sim.counters().pages_sharing << "\n";
  ksmsim::KsmState st = sim.state();
  std::cout << "stable tree nodes " << st.stable_tree_nodes << ", merges " << merges << "\n";
  return sim.finish().exit_code;
} catch (const ksmsim::scenario::ScenarioError &e) {
  return std::cerr << e.what() << "\n", 2;
}
