// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the run's bounds (issue 8): the trace streamed as it is made,
// the budgets of RunOptions, bad_alloc-free exploring of long steps.

#include "catch.h"

#include <string>

#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/lib/trace.h"

using namespace ksmsim;
using catch_compat::Contains;

namespace {

const char *BUSY = R"(scenario: busy
ksm: {run: 1, pages_to_scan: 100, sleep_millisecs: 0}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 4}
  - write: {mm: A, vma: heap, pages: 0-3, fill: 1}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - sleep: 20s
)";

} // namespace

TEST_CASE("robust: the trace streams to its sink as it is made, the same bytes", "[robust]") {
  scenario::Scenario s = scenario::parse_text(BUSY, "busy.yaml");
  RunOptions whole;
  whole.trace = true;
  RunResult a = run_scenario(s, whole);
  RunOptions streamed = whole;
  std::string lines;
  std::size_t spills = 0;
  streamed.trace_spill = [&](std::string_view text) {
    lines += text;
    spills++;
  };
  RunResult b = run_scenario(s, streamed);
  CHECK(b.trace.empty());
  CHECK(spills > 1); // a megabyte at a time, not all at the end
  CHECK(Trace::header(b.trace_entries, 2) + b.trace_names + lines == a.trace);
}

TEST_CASE("robust: RunOptions budgets end a run with a ScenarioError at the step", "[robust]") {
  scenario::Scenario s = scenario::parse_text(BUSY, "busy.yaml");
  RunOptions o;
  o.max_ksmd_batches = 100;
  CHECK_THROWS_WITH(run_scenario(s, o), Contains("busy.yaml:8:5: the run is stopped at step 5"));
  o = RunOptions{};
  o.max_virtual_time_us = 1000;
  CHECK_THROWS_WITH(run_scenario(s, o), Contains("(--max-virtual-time)"));
  o = RunOptions{};
  o.max_steps = 2;
  CHECK_THROWS_WITH(run_scenario(s, o), Contains("busy.yaml:6:5: the run is stopped at step 3"));
  CHECK(run_scenario(s, RunOptions{}).exit_code == 0);
}
