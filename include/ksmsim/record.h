// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim record`: replay a scenario's real-machine steps with real
// processes on the running kernel, with its ksm tracepoints on, and record
// the kernel's trace and the counters after every step. It changes global
// kernel state: under a lock of its own, it journals every KSM knob first
// and restores them on every way out; it traces in a tracing instance of
// its own (docs/live.md, "What it does to the machine").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"

namespace ksmsim {

// Before 6.x the knobs 3.9 lacks are pinned to behave like 3.9; on 6.x
// profiles nothing is.
inline bool pins_like_3_9(const std::string &kernel) {
  return kernel.rfind("v6.", 0) != 0;
}

struct RecordOptions {
  std::string ksm_dir = "/sys/kernel/mm/ksm";
  std::string tracing_dir = "/sys/kernel/tracing";
  std::uint64_t max_wait_ms = 120000; // a `wait` gives up after this much real time at most
  std::uint64_t max_live_ms = 600000; // all of sleep, at: and wait together (--max-live-time)
  bool unmerge_others = false;        // record even while other processes use KSM
  std::string command = "record";     // "record FILE": written in the lock and the journal
  std::string state_dir;              // the journal and lock's; "" is /run/ksmsim (or /var/tmp)
  // The simulated kernel the replay is compared with ("v3.9", "v2.6.32",
  // "v6.15"). Before 6.x the knobs 3.9 lacks are pinned to behave like 3.9;
  // on v6.15 nothing is pinned (its defaults are the kernel's), the 6.x
  // counters are recorded too and expect blocks are chosen by if_kernel.
  std::string kernel = "v3.9";
  bool pins_like_3_9() const { return ksmsim::pins_like_3_9(kernel); }
};

struct StepRecord {
  int step = 0;
  int line = 0;
  std::string kind;
  std::string status;                            // "done", "skipped: why", "failed: ERRNO (what)"
  std::map<std::string, std::uint64_t> counters; // /sys/kernel/mm/ksm after the step
  std::vector<std::string> failures;             // for expect steps: what did not hold
  // For expect steps: /proc/PID/ksm_stat of each live scenario process
  // ("A" -> {"ksm_rmap_items": 4, ...}); empty where the kernel has none.
  std::map<std::string, std::map<std::string, std::int64_t>> mm_stats;
};

struct RecordResult {
  std::vector<StepRecord> steps;
  std::string trace;               // /sys/kernel/tracing/trace at the end
  std::vector<std::string> pinned; // knobs set so the live kernel behaves like 3.9
  std::string kernel;              // RecordOptions::kernel: the profile compared with
  std::string kernel_release;
  // 0: every replayed expectation held; 1: not, or a signal ended the
  // recording; 2: refused or failed (error), or not all restored.
  int exit_code = 0;
  std::string error;                 // why the recording was refused or stopped
  std::vector<std::string> warnings; // other users of KSM, a journal restored, ...
  std::vector<std::string>
      restore_failures; // "knob=value: ERRNO": the kernel was not left as found
  int interrupted = 0;  // the signal that ended it, or 0
  std::string json() const;
  std::string summary() const;
  // The warnings, the error and what could not be restored, one a line,
  // each starting "ksmsim: COMMAND: " (for stderr).
  std::string notes(const std::string &command) const;
};

// Why recording cannot run here ("" if it can): root, KSM and tracefs.
std::string record_preflight(const RecordOptions &opt);

// Never throws. A catchable terminating signal (SIGINT, SIGTERM, SIGHUP,
// ...) during a recording ends it early, restoring everything; the result
// then says so. See docs/live.md for what it does to the machine.
RecordResult record_live(const scenario::Scenario &s, const RecordOptions &opt);

} // namespace ksmsim
