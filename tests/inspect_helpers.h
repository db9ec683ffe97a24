// SPDX-License-Identifier: GPL-2.0-only
//
// What the tests of sim/inspect/ share: running a scenario file or text
// with dump and timeline options, and the bundled scenarios.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace inspect_test {

inline std::string source(const std::string &rel) {
  return std::string(KSMSIM_SOURCE_DIR) + "/" + rel;
}

inline ksmsim::RunResult run_file(const std::string &path, const ksmsim::RunOptions &opt) {
  return ksmsim::run_scenario(ksmsim::scenario::parse_file(path), opt);
}

inline ksmsim::RunResult run_text(const std::string &text, const ksmsim::RunOptions &opt) {
  return ksmsim::run_scenario(ksmsim::scenario::parse_text(text, "t.yaml"), opt);
}

// Every scenario `ksmsim run` replays (scenarios/explore/ holds inputs of
// `ksmsim explore`), sorted.
inline std::vector<std::string> bundled_scenarios() {
  std::vector<std::string> out;
  for (const auto &e : std::filesystem::recursive_directory_iterator(source("scenarios"))) {
    std::string p = e.path().string();
    if (e.path().extension() == ".yaml" && p.find("/scenarios/explore/") == std::string::npos)
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace inspect_test
