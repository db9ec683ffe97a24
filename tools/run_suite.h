// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run` over several scenarios (files, directories), or with
// --format tap|junit: each run's output buffered and reported in the order
// given, --jobs runs at once, the worst exit status (docs/run-suite.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "tools/cli.h"

namespace ksmsim::cli {

struct SuiteArgs {
  std::string format = "human", jobs = "1";
};

void add_suite_options(po::options_description &opts, SuiteArgs &a);
// The exit status of the suite, or nullopt when the arguments are one
// scenario FILE in the human format (the single run, with all its outputs).
// Each scenario is parsed with parse_options (--set applies to every one).
std::optional<int> run_suite(const std::vector<std::string> &inputs, const po::variables_map &vm,
                             const SuiteArgs &a, const RunOptions &ro,
                             const scenario::ParseOptions &parse_options);

} // namespace ksmsim::cli
