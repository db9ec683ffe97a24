// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim record`: replay a scenario's real-machine steps with real
// processes on the running kernel, with its ksm tracepoints on, and record
// the kernel's trace and the counters after every step. It changes global
// kernel state: it saves every KSM knob and the trace settings first and
// restores them on every way out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"

namespace ksmsim {

struct RecordOptions {
  std::string ksm_dir = "/sys/kernel/mm/ksm";
  std::string tracing_dir = "/sys/kernel/tracing";
  std::uint64_t max_wait_ms = 120000; // a `wait` gives up after this much real time at most
};

struct StepRecord {
  int step = 0;
  int line = 0;
  std::string kind;
  std::string status;                            // "done", "skipped: why", "failed: ERRNO (what)"
  std::map<std::string, std::uint64_t> counters; // /sys/kernel/mm/ksm after the step
  std::vector<std::string> failures;             // for expect steps: what did not hold
};

struct RecordResult {
  std::vector<StepRecord> steps;
  std::string trace;               // /sys/kernel/tracing/trace at the end
  std::vector<std::string> pinned; // knobs set so the live kernel behaves like 3.9
  std::string kernel_release;
  int exit_code = 0; // 0: every replayed expectation held; 1: not
  std::string json() const;
  std::string summary() const;
};

// Why recording cannot run here ("" if it can): root, KSM and tracefs.
std::string record_preflight(const RecordOptions &opt);

// Interrupts (SIGINT, SIGTERM) during a recording end it early, restoring
// everything; the result then says so.
RecordResult record_live(const scenario::Scenario &s, const RecordOptions &opt);

} // namespace ksmsim
