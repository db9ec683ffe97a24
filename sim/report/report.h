// SPDX-License-Identifier: GPL-2.0-only
//
// What a run found, step by step: expectations, failed steps, oopses and
// invariant violations; the human summary and the JSON for scripts.
#pragma once

#include <string>
#include <vector>

#include "ksmsim/scenario.h"
#include "sim/report/json_text.h"

namespace ksmsim {

class Kernel;

// `run --json`'s "format_version": additions keep it, any other change bumps it.
inline constexpr int RUN_JSON_FORMAT_VERSION = 1;

class Report {
public:
  Report(const scenario::Scenario &s, std::string profile) : s_(s), profile_(std::move(profile)) {}

  void expectation(const scenario::Step &step, std::vector<std::string> failures);
  void step_failed(const scenario::Step &step, std::string why);
  void skipped(const scenario::Step &step);
  void not_applicable(const scenario::Step &step, std::string why);
  void violation(int step, std::uint64_t time_us, const char *when,
                 const std::vector<std::string> &v);
  void acknowledge_oops() { oops_expected_ = true; }
  void acknowledge_violations() { violations_expected_ = true; }
  // `warning: F` / `detected: N`: those records are expected (for --strict).
  void acknowledge_warning(std::string fn) { warnings_expected_.push_back(std::move(fn)); }
  void acknowledge_detector(std::string name) { detectors_expected_.push_back(std::move(name)); }
  // --strict: an unexpected warning, detector report or invariant violation
  // also fails the run.
  void set_strict(bool strict) { strict_ = strict; }
  const std::vector<std::string> &violations() const { return violations_; }

  int exit_code(const Kernel &k) const;
  // Why the run failed beyond its expectations ("unexpected oops", ...).
  std::vector<std::string> unexpected(const Kernel &k) const;
  std::string summary(Kernel &k) const;
  // The --json document's members (docs/json-output.md) up to "final";
  // sim/inspect/ adds the checkpoints and names after them.
  ojson json(Kernel &k) const;

private:
  struct Entry {
    int step = 0;
    int line = 0;
    std::string kind;
    enum class What { Expect, StepFailed, Skipped, NotApplicable } what = What::Expect;
    std::vector<std::string> failures;
  };
  const scenario::Scenario &s_;
  std::string profile_;
  std::vector<Entry> entries_;
  std::vector<std::string> violations_;
  int violation_step_ = 0;
  std::uint64_t violation_time_ = 0;
  bool oops_expected_ = false;
  bool violations_expected_ = false;
  std::vector<std::string> warnings_expected_, detectors_expected_;
  bool strict_ = false;
};

} // namespace ksmsim
