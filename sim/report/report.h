// SPDX-License-Identifier: GPL-2.0-only
//
// What a run found, step by step: expectations, failed steps, oopses and
// invariant violations; the human summary and the JSON for scripts.
#pragma once

#include <string>
#include <vector>

#include "ksmsim/scenario.h"

namespace ksmsim {

class Kernel;

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
  const std::vector<std::string> &violations() const { return violations_; }

  int exit_code(const Kernel &k) const;
  std::string summary(Kernel &k) const;
  std::string json(Kernel &k) const;

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
};

} // namespace ksmsim
