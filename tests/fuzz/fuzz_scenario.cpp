// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target: arbitrary bytes as a scenario, parsed, run (and
// explored, when the file has an explore step) under small budgets. Any
// outcome but a crash, a hang or a sanitizer report is fine: a
// ScenarioError (exit 2), a failed expectation, a simulated oops.
//
// Built twice (tests/fuzz/CMakeLists.txt): ksmsim_fuzz mutates bytes;
// ksmsim_fuzz_structured (KSMSIM_FUZZ_STRUCTURED) adds the mutator of
// fuzz_mutator.cpp, which parses a valid scenario and changes its steps,
// interleavings and kernel profile.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

using namespace ksmsim;

namespace {

// What a fuzzed run may cost: small machines, small budgets.
constexpr std::uint64_t kMaxFrames = 1 << 16;
constexpr std::uint64_t kMaxSwap = 1 << 12;
constexpr std::uint64_t kMaxMappedPages = 1 << 14;

std::uint64_t mapped_pages(const std::vector<scenario::Step> &steps) {
  std::uint64_t n = 0;
  for (const scenario::Step &st : steps) {
    if (const auto *m = std::get_if<scenario::Mmap>(&st.body))
      n += m->pages;
    if (std::holds_alternative<scenario::Fork>(st.body))
      n += kMaxMappedPages / 16; // a fork copies the parent's vmas
    for (const scenario::Interleave &il : st.interleave)
      n += mapped_pages(il.steps);
  }
  return n;
}

RunOptions small_budgets() {
  RunOptions o;
  o.max_virtual_time_us = 600ULL * 1000 * 1000; // 10 minutes
  o.max_ksmd_batches = 500;
  o.max_steps = 2000;
  o.trace = true;
  o.trace_spill = [](std::string_view) {};
  return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  scenario::Scenario s;
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    s = scenario::parse_text(text, "fuzz.yaml");
  } catch (const scenario::ScenarioError &) {
    return 0;
  }
  if (std::uint64_t(s.machine.nodes) * s.machine.pages_per_node > kMaxFrames ||
      s.machine.swap_pages > kMaxSwap || mapped_pages(s.steps) > kMaxMappedPages)
    return -1; // too big to run quickly: not added to the corpus
  RunOptions o = small_budgets();
  o.check = CheckMode::Step; // Page (after every page ksmd scans) costs 5x the executions
  try {
    (void)run_scenario(s, o);
  } catch (const scenario::ScenarioError &) {
  }
  ExploreOptions eo;
  eo.run = small_budgets();
  eo.run.trace = false;
  eo.run.trace_spill = nullptr;
  eo.max_runs = 4;
  eo.jobs = 1;
  try {
    (void)explore(s, text, eo);
  } catch (const scenario::ScenarioError &) {
  }
  return 0;
}
