// SPDX-License-Identifier: GPL-2.0-only
//
// A cost model: what each operation of ksmd costs, in ns, as a fixed table
// (docs/cost-model.md). A ksmd batch then takes the sum over its operation
// counts (model/ksm/v3.9/ksm_ops.h) of count x cost, plus a cost per batch.
// Costs are kept exactly, in picoseconds (the file gives ns with at most
// three decimals), so the same counts and file give the same time, always.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"
#include "model/ksm/v3.9/ksm_ops.h"

namespace ksmsim {

struct CostModel {
  std::string name;                             // the file's name: field (a built-in model's name)
  std::string source;                           // "built-in" or the file's path
  std::string kernel;                           // the kernel it was measured on
  std::string cpu;                              // the CPU model
  std::string date;                             // when
  std::string measured;                         // how
  std::array<std::uint64_t, KSM_OP_COUNT> ps{}; // per operation, in KSM_OP_FIELDS order
  std::uint64_t batch_ps = 0;                   // per ksm_do_scan call
  // How much longer than sleep_millisecs each of ksmd's sleeps takes (timer
  // granularity, wake-up latency), in ps; rounded down to whole us.
  std::uint64_t sleep_ps = 0;
};

// Parses a cost file's text; `file` names it in errors. Throws
// scenario::ScenarioError with the line and column of the defect.
CostModel parse_cost_text(const std::string &text, const std::string &file);

// A built-in model by name, or a cost file (a path; relative to base_dir
// when base_dir is not empty). Throws scenario::ScenarioError at `where`
// for an unknown name or a file that cannot be read, and the parser's
// errors for a malformed file.
CostModel load_cost_model(const std::string &name_or_file, const std::string &base_dir,
                          const scenario::Location &where);

// The built-in models' names, and the text of one (nullptr if none).
std::vector<std::string> builtin_cost_models();
const char *builtin_cost_text(const std::string &name);

// The picoseconds a batch takes that did what `after - before` counts.
std::uint64_t batch_cost_ps(const CostModel &m, const KsmOps &before, const KsmOps &after);

} // namespace ksmsim
