// SPDX-License-Identifier: GPL-2.0-only
//
// What a run records to make the inside visible, driven by the runner's
// hooks: the checkpoints (expect, dump, sample), the dumps asked for, the
// timeline rows after ksmd batches, and the handle -> name map for the
// trace and --json. It only reads the model.
#pragma once

#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "sim/cost/ksmd_busy.h"
#include "sim/inspect/name_book.h"
#include "sim/inspect/names.h"
#include "sim/inspect/timeline.h"

namespace ksmsim {

class Kernel;

class RunObserver {
public:
  RunObserver(const Kernel &k, const RunOptions &opt);

  // The scenario's names, kept by the runner as its steps change them
  // (they must outlive the observer's use).
  void set_names(const ScenarioNames *names) { names_ = names; }
  // With a cost model: timeline rows carry ksmd's CPU time from here.
  void set_busy(const KsmdBusy *busy) { busy_ = busy; }
  const ScenarioNames &names() const { return *names_; }

  // After a ksmd batch; after each page ksmd scanned (only with --trace).
  void after_batch();
  void after_page_scanned();
  bool wants_page_hook() const { return opt_.trace; }
  // A checkpoint step (kind "expect", "dump" or "sample").
  void checkpoint(const scenario::Step &st, const char *kind, const std::string &label = "");
  // A `dump:` step.
  void dump_step(const scenario::Step &st, const scenario::Dump &d);
  // After each top-level step (--dump-at).
  void after_step(const scenario::Step &st);

  // Fills the result's dumps, timeline and checkpoints; adds the
  // checkpoints and names to the --json document; adds the names to the
  // trace text.
  void finish(RunResult &r, ojson &doc);

private:
  void dump(const scenario::Step &st, const std::string &format, const std::string &file);
  int step_of(const scenario::Step &st) const;

  const Kernel &k_;
  const RunOptions &opt_;
  const KsmdBusy *busy_ = nullptr;
  TimelineRow row(std::string kind) const;
  static inline const ScenarioNames no_names_{};
  const ScenarioNames *names_ = &no_names_;
  NameBook book_;
  TimelineClock clock_;
  std::vector<TimelineRow> timeline_, checkpoints_;
  std::vector<RunResult::Dump> dumps_;
  std::vector<RunResult::StepMark> step_marks_;
};

} // namespace ksmsim
