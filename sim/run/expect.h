// SPDX-License-Identifier: GPL-2.0-only
//
// Checking an `expect:` step against the simulated machine's state.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"
#include "model/mm/kernel.h"

namespace ksmsim {

struct ExpectContext {
  std::function<mm_struct *(const std::string &)> mm_of; // nullptr if unknown
  std::function<std::uint64_t(const scenario::PageExpect &)> addr_of;
  const std::vector<OopsRecord> *oopses = nullptr;
  const std::vector<std::string> *violations = nullptr;
};

// One line per expectation that does not hold: "what: expected X, found Y".
std::vector<std::string> evaluate_expect(const scenario::Expect &x, Kernel &k,
                                         const ExpectContext &ctx);

// Does `oops:`/`warning:` (a function) or `detected:` (a detector name or
// a function) name this record?
bool names_function(const OopsRecord &r, const std::string &name);
bool names_detector(const OopsRecord &r, const std::string &name);

// Per-mm figures, as /proc/PID/ksm_stat would give them.
struct MmKsmStat {
  std::uint64_t ksm_rmap_items = 0;
  std::uint64_t merged = 0;
};
MmKsmStat mm_ksm_stat(Kernel &k, mm_struct *mm);

// The per-mm figures `expect: mm:` takes, in the order they are checked.
const std::vector<std::string> &mm_figure_order();

} // namespace ksmsim
